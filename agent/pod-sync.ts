// One step of a pod toward its spec on Docker (the kubelet's SyncPod / computePodActions): make
// sure the sandbox runs, start or restart containers as the restart policy and back-off allow,
// replace containers whose spec changed or whose liveness failed, and kill pods that go away.
import type { Logger } from "pino";
import { Backoff } from "./backoff";
import type { AgentConfig } from "./config";
import { ContainerConfigError, resolveEnv, type ConfigSource } from "./env";
import { appContainerCreateOptions, sandboxCreateOptions } from "./runtime/container-config";
import type { DockerRuntime, RuntimeContainer } from "./runtime/docker";
import { containerHash, containerLabels, containerName, sandboxName, SANDBOX_CONTAINER_NAME } from "./runtime/labels";
import { currentSandbox, latestByName, type Waiting } from "./status";
import type { Container, Pod } from "./types";
import { containerBinds } from "./volumes";

export interface SyncResult {
  /** Something was changed in Docker: the next relist must be awaited before acting again. */
  acted: boolean;
  /** Sync again after this long (a back-off expires). */
  requeueAfterMs?: number;
}

/** How many dead containers per container name are kept (the latest one feeds --previous). */
const KEEP_DEAD = 2;

export function pullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? "";
  const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
  return tag === "latest" ? "Always" : "IfNotPresent";
}

export class PodSyncer {
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  /** pod uid -> container name -> why it waits. */
  readonly waiting = new Map<string, Map<string, Waiting>>();
  /** Container ids whose liveness/startup probe failed: restart them. */
  readonly unhealthy = new Map<string, string>();
  /** pod uid -> the IP its sandbox got. */
  readonly podIPs = new Map<string, string>();

  constructor(
    private readonly cfg: AgentConfig,
    private readonly runtime: DockerRuntime,
    private readonly config: ConfigSource,
    private readonly log: Logger,
    private readonly events: (pod: Pod, type: "Normal" | "Warning", reason: string, message: string) => void,
  ) {
    this.crashBackoff = new Backoff({ initialMs: cfg.crashLoopBackoffInitialMs, maxMs: cfg.crashLoopBackoffMaxMs });
    this.pullBackoff = new Backoff({ initialMs: cfg.imagePullBackoffInitialMs, maxMs: cfg.imagePullBackoffMaxMs });
  }

  waitingFor(uid: string): Map<string, Waiting> {
    let map = this.waiting.get(uid);
    if (!map) this.waiting.set(uid, (map = new Map()));
    return map;
  }

  forget(uid: string): void {
    this.waiting.delete(uid);
    this.podIPs.delete(uid);
    this.crashBackoff.forget(`${uid}/`);
    this.pullBackoff.forget(`${uid}/`);
  }

  /** Stops every container (apps first, then the sandbox) with the grace period, then removes them. */
  async killPod(containers: RuntimeContainer[], gracePeriodSeconds: number | undefined, remove: boolean): Promise<boolean> {
    const apps = containers.filter((c) => !c.isSandbox);
    const sandboxes = containers.filter((c) => c.isSandbox);
    const running = containers.some((c) => c.state === "running");
    await Promise.all(
      apps.filter((c) => c.state === "running").map((c) => this.runtime.stop(c.id, gracePeriodSeconds ?? c.gracePeriodSeconds)),
    );
    await Promise.all(sandboxes.filter((c) => c.state === "running").map((c) => this.runtime.stop(c.id, 2)));
    if (remove) await Promise.all(containers.map((c) => this.runtime.remove(c.id)));
    return running || (remove && containers.length > 0);
  }

  async syncPod(pod: Pod, current: RuntimeContainer[]): Promise<SyncResult> {
    let containers = current;
    const uid = pod.metadata.uid;
    const policy = pod.spec.restartPolicy ?? "Always";
    const waiting = this.waitingFor(uid);
    let sandbox = currentSandbox(containers);
    const result: SyncResult = { acted: false };

    // Terminal pods (restartPolicy Never/OnFailure, all containers done) keep their containers
    // for logs but stop the sandbox.
    if (policy !== "Always" && this.podDone(pod, containers)) {
      if (sandbox?.state === "running") {
        await this.runtime.stop(sandbox.id, 2);
        result.acted = true;
      }
      return result;
    }

    if (!sandbox || sandbox.state !== "running") {
      // A new sandbox means every container starts again in it.
      const stale = containers.filter((c) => c.state === "running" && !c.isSandbox);
      await Promise.all(stale.map((c) => this.runtime.stop(c.id, c.gracePeriodSeconds)));
      const attempt = sandbox ? sandbox.attempt + 1 : 0;
      if (sandbox) await this.runtime.remove(sandbox.id);
      const changedDocker = stale.length > 0 || sandbox !== undefined;
      const sandboxKey = `${uid}/${SANDBOX_CONTAINER_NAME}`;
      const notYet = (message: string): SyncResult => {
        for (const c of pod.spec.containers) waiting.set(c.name, { reason: "ContainerCreating" });
        this.events(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${message}`);
        return { acted: changedDocker, requeueAfterMs: this.crashBackoff.next(sandboxKey) };
      };
      const image = await this.ensureImage(pod, { name: SANDBOX_CONTAINER_NAME, image: this.cfg.pauseImage, imagePullPolicy: "IfNotPresent" });
      if (!image) return notYet(this.waitingFor(uid).get(SANDBOX_CONTAINER_NAME)?.message ?? `image ${this.cfg.pauseImage} is not available`);
      const opts = sandboxCreateOptions(pod, {
        name: sandboxName(pod.metadata, attempt),
        image: this.cfg.pauseImage,
        network: this.cfg.network,
        hostIP: this.cfg.address,
        labels: this.labels(pod, SANDBOX_CONTAINER_NAME, attempt),
      });
      let id: string;
      try {
        id = await this.runtime.run(opts);
      } catch (err) {
        // e.g. a host port already taken: the pod waits in ContainerCreating and retries.
        return notYet(err instanceof Error ? err.message : String(err));
      }
      waiting.delete(SANDBOX_CONTAINER_NAME);
      this.crashBackoff.forget(sandboxKey);
      this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, sandbox: id.slice(0, 12), attempt }, "sandbox started");
      const ip = await this.runtime.ipOf(id);
      if (ip) this.podIPs.set(uid, ip);
      sandbox = {
        id,
        dockerName: opts.name ?? "",
        podUid: uid,
        podName: pod.metadata.name,
        podNamespace: pod.metadata.namespace,
        container: SANDBOX_CONTAINER_NAME,
        isSandbox: true,
        attempt,
        gracePeriodSeconds: 2,
        source: "",
        state: "running",
        image: this.cfg.pauseImage,
        imageID: "",
        created: Math.floor(Date.now() / 1000),
        ip,
      };
      result.acted = true;
      // Containers of the old sandbox died with it: start them at once (no back-off), and treat
      // them as exited in this sync (they were just stopped).
      for (const c of stale) this.crashBackoff.forget(`${uid}/${c.container}`);
      containers = containers.map((c) => (stale.includes(c) ? { ...c, state: "exited" as const } : c));
    }

    const podIP = sandbox.ip;
    // Init containers run one after the other, each to success, before any app container.
    for (const spec of pod.spec.initContainers ?? []) {
      const latest = latestByName(containers, spec.name)[0];
      const key = `${uid}/${spec.name}`;
      if (latest?.state === "exited" && (latest.exitCode ?? 0) === 0) continue;
      if (latest && latest.state !== "exited") return result; // running: wait for it
      if (latest) {
        if (policy === "Never") return result; // the pod failed
        const finished = latest.finishedAt ? Date.parse(latest.finishedAt) : latest.created * 1000;
        const remaining = this.crashBackoff.remaining(key, finished);
        if (remaining > 0) {
          waiting.set(spec.name, {
            reason: "CrashLoopBackOff",
            message: `back-off ${formatDelay(this.crashBackoff.delay(key)!)} restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`,
          });
          return { ...result, requeueAfterMs: remaining + 10 };
        }
      }
      const started = await this.startContainer(pod, spec, sandbox, latest ? latest.attempt + 1 : 0, podIP, waiting);
      if (started === "started") {
        if (latest) this.crashBackoff.next(key);
        return { ...result, acted: true };
      }
      return { ...result, requeueAfterMs: 1000 };
    }
    for (const spec of pod.spec.containers) {
      const history = latestByName(containers, spec.name);
      const latest = history[0];
      const key = `${uid}/${spec.name}`;
      for (const dead of history.slice(KEEP_DEAD)) if (dead.state !== "running") await this.runtime.remove(dead.id);

      if (latest?.state === "running") {
        const reason = this.unhealthy.get(latest.id);
        const changed = latest.hash !== undefined && latest.hash !== containerHash(spec);
        if (!reason && !changed) {
          waiting.delete(spec.name);
          continue;
        }
        this.events(pod, "Normal", "Killing", reason ? `Container ${spec.name} failed ${reason}, will be restarted` : `Container ${spec.name} definition changed, will be restarted`);
        await this.runtime.stop(latest.id, pod.spec.terminationGracePeriodSeconds ?? 30);
        this.unhealthy.delete(latest.id);
        result.acted = true;
        if (changed || policy !== "Never") {
          // fall through: start the next attempt now (Kubernetes restarts right after a kill)
        } else continue;
      } else if (latest) {
        const exitCode = latest.exitCode ?? 0;
        const restart = policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
        if (!restart) {
          waiting.delete(spec.name);
          continue;
        }
        const finished = latest.finishedAt ? Date.parse(latest.finishedAt) : latest.created * 1000;
        const remaining = this.crashBackoff.remaining(key, finished);
        if (remaining > 0) {
          const delay = this.crashBackoff.delay(key)!;
          waiting.set(spec.name, {
            reason: "CrashLoopBackOff",
            message: `back-off ${formatDelay(delay)} restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`,
          });
          this.events(pod, "Warning", "BackOff", `Back-off restarting failed container ${spec.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`);
          result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, remaining + 10);
          continue;
        }
      }

      const attempt = latest ? latest.attempt + 1 : 0;
      const started = await this.startContainer(pod, spec, sandbox, attempt, podIP, waiting);
      if (started === "started") result.acted = true;
      if (started === "retry") {
        const delay = this.pullBackoff.delay(`${uid}/${spec.name}/${spec.image}`) ?? this.crashBackoff.delay(key) ?? 1000;
        result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, delay + 10);
      } else if (latest) {
        this.crashBackoff.next(key);
      }
    }
    return result;
  }

  private podDone(pod: Pod, containers: RuntimeContainer[]): boolean {
    const policy = pod.spec.restartPolicy ?? "Always";
    return pod.spec.containers.every((spec) => {
      const latest = latestByName(containers, spec.name)[0];
      if (!latest || latest.state !== "exited") return false;
      return policy === "Never" || (latest.exitCode ?? 0) === 0;
    });
  }

  private labels(pod: Pod, container: string, attempt: number, hash?: string): Record<string, string> {
    return containerLabels({
      node: this.cfg.nodeName,
      pod: pod.metadata,
      container,
      attempt,
      hash,
      gracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
      source: pod.metadata.annotations?.["kubernetes.io/config.source"] ?? "api",
    });
  }

  /** Makes the image present as the pull policy says; undefined (with a waiting reason) when not. */
  private async ensureImage(pod: Pod, spec: Container): Promise<{ id: string; user: string } | undefined> {
    const image = spec.image ?? "";
    const waiting = this.waitingFor(pod.metadata.uid);
    const policy = pullPolicy(spec);
    const present = await this.runtime.imageId(image);
    if (policy === "Never" || (policy === "IfNotPresent" && present)) {
      if (present) {
        if (spec.name !== SANDBOX_CONTAINER_NAME) {
          this.events(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
        }
        return present;
      }
      waiting.set(spec.name, {
        reason: "ErrImageNeverPull",
        message: `Container image "${image}" is not present with pull policy of Never`,
      });
      return undefined;
    }
    const key = `${pod.metadata.uid}/${spec.name}/${image}`;
    const last = this.lastPullFailure.get(key);
    if (last !== undefined && this.pullBackoff.remaining(key, last) > 0) {
      waiting.set(spec.name, { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` });
      return undefined;
    }
    this.events(pod, "Normal", "Pulling", `Pulling image "${image}"`);
    try {
      await this.runtime.pull(image);
      this.lastPullFailure.delete(key);
      this.events(pod, "Normal", "Pulled", `Successfully pulled image "${image}"`);
      return await this.runtime.imageId(image);
    } catch (err) {
      const message = `Failed to pull image "${image}": ${err instanceof Error ? err.message : String(err)}`;
      this.pullBackoff.next(key);
      this.lastPullFailure.set(key, Date.now());
      waiting.set(spec.name, { reason: "ErrImagePull", message });
      this.events(pod, "Warning", "Failed", message);
      return undefined;
    }
  }

  private readonly lastPullFailure = new Map<string, number>();

  /** Creates and starts one container; "retry" when it could not (the waiting reason says why). */
  private async startContainer(
    pod: Pod,
    spec: Container,
    sandbox: RuntimeContainer,
    attempt: number,
    podIP: string | undefined,
    waiting: Map<string, Waiting>,
  ): Promise<"started" | "retry"> {
    const image = await this.ensureImage(pod, spec);
    if (!image) return "retry";
    let opts;
    try {
      const env = await resolveEnv({ pod, container: spec, podIP, hostIP: this.cfg.address, nodeName: this.cfg.nodeName, config: this.config });
      const binds = await containerBinds(this.cfg.rootDir, pod, spec, this.config);
      opts = appContainerCreateOptions(pod, spec, {
        name: containerName(pod.metadata, spec.name, attempt),
        image: spec.image ?? "",
        labels: this.labels(pod, spec.name, attempt, containerHash(spec)),
        sandboxId: sandbox.id,
        env,
        binds,
        imageUser: image.user,
      });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      waiting.set(spec.name, { reason: "CreateContainerConfigError", message: err.message });
      this.events(pod, "Warning", "Failed", `Error: ${err.message}`);
      this.crashBackoff.next(`${pod.metadata.uid}/${spec.name}`);
      return "retry";
    }
    this.events(pod, "Normal", "Created", `Created container ${spec.name}`);
    try {
      await this.runtime.run(opts);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      waiting.set(spec.name, { reason: "RunContainerError", message });
      this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: spec.name, err: message }, "container failed to start");
      this.events(pod, "Warning", "Failed", `Error: ${message}`);
      this.crashBackoff.next(`${pod.metadata.uid}/${spec.name}`);
      return "retry";
    }
    waiting.delete(spec.name);
    this.events(pod, "Normal", "Started", `Started container ${spec.name}`);
    return "started";
  }
}

function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return s % 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 60)}m0s`;
}
