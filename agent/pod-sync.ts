// The executor of a pod's sync (the kubelet's SyncPod): computePodActions (pod-actions.ts, pure)
// decides, this file does it on Docker: replace the sandbox, start the init container or the app
// containers it names, kill what it names, wait out back-offs, and record why a container waits.
import type Docker from "dockerode";
import type { Logger } from "pino";
import { ephemeralHostConfig } from "./ephemeral";
import { Backoff } from "./backoff";
import type { AgentConfig } from "./config";
import { ContainerConfigError, resolveEnv, type ConfigSource } from "./env";
import type { AgentMetrics, ContainerType } from "./metrics";
import {
  computePodActions,
  crashKey,
  type ContainerAction,
  type InitAction,
  type PodActions,
  type SandboxAction,
} from "./pod-actions";
import { appContainerCreateOptions, sandboxCreateOptions } from "./runtime/container-config";
import type { DockerRuntime, RuntimeContainer } from "./runtime/docker";
import { containerHash, containerLabels, containerName, sandboxName, SANDBOX_CONTAINER_NAME } from "./runtime/labels";
import type { Waiting } from "./status";
import type { Container } from "../api/core";
import type { PodNetworkHooks } from "./pod-network";
import type { Pod } from "./types";
import { VolumeNotReadyError } from "./pv-volume";
import { containerBinds } from "./volumes";

export interface SyncResult {
  /** Something was changed in Docker: the next relist must be awaited before acting again. */
  acted: boolean;
  /** Sync again after this long (a back-off expires). */
  requeueAfterMs?: number;
  /** The pod is being deleted and nothing of it is left in Docker. */
  terminated?: boolean;
}

type SyncActions = Extract<PodActions, { kind: "sync" }>;

export function pullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? "";
  const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
  return tag === "latest" ? "Always" : "IfNotPresent";
}

function describePod(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function crashLoopWaiting(pod: Pod, name: string, delayMs: number): Waiting {
  const { name: podName, namespace, uid } = pod.metadata;
  return { reason: "CrashLoopBackOff", message: `back-off ${formatDelay(delayMs)} restarting failed container=${name} pod=${podName}_${namespace}(${uid})` };
}

/** What the executor knows of a sandbox it has just started (the next relist has the rest). */
function startedSandbox(pod: Pod, id: string, dockerName: string, attempt: number, image: string, ip: string | undefined): RuntimeContainer {
  return {
    id,
    dockerName,
    podUid: pod.metadata.uid,
    podName: pod.metadata.name,
    podNamespace: pod.metadata.namespace,
    container: SANDBOX_CONTAINER_NAME,
    isSandbox: true,
    attempt,
    gracePeriodSeconds: 2,
    source: "",
    state: "running",
    image,
    imageID: "",
    created: Math.floor(Date.now() / 1000),
    ip,
  };
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
  /** The node's pod network (agent/pod-network.ts): the sandbox's network, Service variables, resolv.conf. */
  network?: PodNetworkHooks;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly runtime: DockerRuntime,
    private readonly config: ConfigSource,
    private readonly log: Logger,
    private readonly events: (pod: Pod, type: "Normal" | "Warning", reason: string, message: string) => void,
    private readonly metrics?: AgentMetrics,
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

  /** One sync step: decide (computePodActions, pure), then do. */
  async syncPod(pod: Pod, containers: RuntimeContainer[]): Promise<SyncResult> {
    return this.execute(pod, computePodActions({ pod, containers, unhealthy: this.unhealthy, crashBackoff: this.crashBackoff }));
  }

  /** Carries out what computePodActions decided, in its order, on Docker. */
  async execute(pod: Pod, actions: PodActions): Promise<SyncResult> {
    switch (actions.kind) {
      case "terminated":
        return { acted: false, terminated: true };
      case "kill":
        this.log.info({ pod: describePod(pod), grace: actions.gracePeriodSeconds }, "killing pod");
        await this.killPod(actions.containers, actions.gracePeriodSeconds, true);
        return { acted: true };
      case "finished":
        if (!actions.stopSandbox) return { acted: false };
        await this.runtime.stop(actions.stopSandbox.id, 2);
        return { acted: true };
      case "sync":
        return this.executeSync(pod, actions);
    }
  }

  private async executeSync(pod: Pod, actions: SyncActions): Promise<SyncResult> {
    const result: SyncResult = { acted: false };
    let sandbox = actions.sandbox;
    if (actions.createSandbox) {
      const created = await this.createSandbox(pod, actions.createSandbox);
      if (!("sandbox" in created)) return created;
      sandbox = created.sandbox;
      result.acted = true;
    }
    if (!sandbox) return result;
    for (const e of actions.ephemeral ?? []) {
      if ((await this.createAndStart(pod, e.spec, sandbox, 0, ephemeralHostConfig(e))) === "started") result.acted = true;
    }
    if (actions.init) return this.executeInit(pod, actions.init, sandbox, result);
    for (const action of actions.containers) await this.executeContainer(pod, action, sandbox, result);
    return result;
  }

  /** Replaces a dead (or missing) sandbox; the containers of the old one start again in it. */
  private async createSandbox(pod: Pod, action: SandboxAction): Promise<{ sandbox: RuntimeContainer } | SyncResult> {
    const waiting = this.waitingFor(pod.metadata.uid);
    const net = (!pod.spec.hostNetwork && this.network?.sandboxNetwork()) || { network: this.cfg.network };
    if ("notReady" in net) {
      // As the kubelet while the runtime's network is not ready (hostNetwork pods run): wait, without back-off.
      for (const c of pod.spec.containers) waiting.set(c.name, { reason: "ContainerCreating" });
      this.events(pod, "Warning", "NetworkNotReady", net.notReady);
      return { acted: false, requeueAfterMs: 1000 };
    }
    await Promise.all(action.stopFirst.map((c) => this.runtime.stop(c.id, c.gracePeriodSeconds)));
    if (action.removeOld) await this.runtime.remove(action.removeOld.id);
    const changedDocker = action.stopFirst.length > 0 || action.removeOld !== undefined;
    const sandboxKey = crashKey(pod, SANDBOX_CONTAINER_NAME);
    const notYet = (message: string): SyncResult => {
      for (const c of pod.spec.containers) waiting.set(c.name, { reason: "ContainerCreating" });
      this.events(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${message}`);
      return { acted: changedDocker, requeueAfterMs: this.crashBackoff.next(sandboxKey) };
    };
    const image = await this.ensureImage(pod, { name: SANDBOX_CONTAINER_NAME, image: this.cfg.pauseImage, imagePullPolicy: "IfNotPresent" });
    if (!image) return notYet(waiting.get(SANDBOX_CONTAINER_NAME)?.message ?? `image ${this.cfg.pauseImage} is not available`);
    const opts = sandboxCreateOptions(pod, {
      name: sandboxName(pod.metadata, action.attempt),
      image: this.cfg.pauseImage,
      network: net.network,
      hostIP: this.cfg.address,
      labels: this.labels(pod, SANDBOX_CONTAINER_NAME, action.attempt),
    });
    let id: string;
    try {
      id = await this.runtime.run(opts);
    } catch (err) {
      // e.g. a host port already taken: the pod waits in ContainerCreating and retries.
      this.metrics?.startedContainersErrors.inc({ container_type: "podsandbox", code: "FailedCreatePodSandBox" });
      return notYet(err instanceof Error ? err.message : String(err));
    }
    this.metrics?.startedContainers.inc({ container_type: "podsandbox" });
    this.metrics?.startedPods.inc();
    waiting.delete(SANDBOX_CONTAINER_NAME);
    this.crashBackoff.forget(sandboxKey);
    // The old sandbox's containers died with it: they start again at once, without back-off.
    for (const c of action.stopFirst) this.crashBackoff.forget(crashKey(pod, c.container));
    this.log.info({ pod: describePod(pod), sandbox: id.slice(0, 12), attempt: action.attempt }, "sandbox started");
    const ip = await this.runtime.ipOf(id);
    if (ip) this.podIPs.set(pod.metadata.uid, ip);
    return { sandbox: startedSandbox(pod, id, opts.name ?? "", action.attempt, this.cfg.pauseImage, ip) };
  }

  private async executeInit(pod: Pod, init: InitAction, sandbox: RuntimeContainer, result: SyncResult): Promise<SyncResult> {
    const waiting = this.waitingFor(pod.metadata.uid);
    if (init.kind === "wait") return result;
    if (init.kind === "backoff") {
      waiting.set(init.spec.name, crashLoopWaiting(pod, init.spec.name, init.backoff.delayMs));
      return { ...result, requeueAfterMs: init.backoff.remainingMs + 10 };
    }
    const started = await this.startContainer(pod, init.spec, sandbox, init.start.attempt, "init_container");
    if (started === "retry") return { ...result, requeueAfterMs: 1000 };
    if (init.start.restart) this.crashBackoff.next(crashKey(pod, init.spec.name));
    return { ...result, acted: true };
  }

  private async executeContainer(pod: Pod, action: ContainerAction, sandbox: RuntimeContainer, result: SyncResult): Promise<void> {
    const { spec } = action;
    const waiting = this.waitingFor(pod.metadata.uid);
    const key = crashKey(pod, spec.name);
    const requeue = (ms: number): void => {
      result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, ms);
    };
    for (const dead of action.removeDead) await this.runtime.remove(dead.id);
    if (action.clearWaiting) waiting.delete(spec.name);
    if (action.kill) {
      this.events(pod, "Normal", "Killing", action.kill.message);
      await this.runtime.stop(action.kill.container.id, pod.spec.terminationGracePeriodSeconds ?? 30);
      this.unhealthy.delete(action.kill.container.id);
      result.acted = true;
    }
    if (action.backoff) {
      waiting.set(spec.name, crashLoopWaiting(pod, spec.name, action.backoff.delayMs));
      const { name, namespace, uid } = pod.metadata;
      this.events(pod, "Warning", "BackOff", `Back-off restarting failed container ${spec.name} in pod ${name}_${namespace}(${uid})`);
      requeue(action.backoff.remainingMs + 10);
    }
    if (!action.start) return;
    const started = await this.startContainer(pod, spec, sandbox, action.start.attempt, "container");
    if (started === "started") result.acted = true;
    if (started === "retry") {
      requeue((this.pullBackoff.delay(`${key}/${spec.image}`) ?? this.crashBackoff.delay(key) ?? 1000) + 10);
    } else if (action.start.restart) {
      this.crashBackoff.next(key);
    }
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

  /** Creates and starts one container, counted in kubelet_started_containers(_errors)_total. */
  private async startContainer(pod: Pod, spec: Container, sandbox: RuntimeContainer, attempt: number, type: ContainerType): Promise<"started" | "retry"> {
    const outcome = await this.createAndStart(pod, spec, sandbox, attempt);
    this.metrics?.startedContainers.inc({ container_type: type });
    if (outcome === "retry") {
      const code = this.waitingFor(pod.metadata.uid).get(spec.name)?.reason ?? "Unknown";
      this.metrics?.startedContainersErrors.inc({ container_type: type, code });
    }
    return outcome;
  }

  /** "retry" when the container could not start (its waiting reason says why). */
  private async createAndStart(pod: Pod, spec: Container, sandbox: RuntimeContainer, attempt: number, hostConfig?: Partial<Docker.HostConfig>): Promise<"started" | "retry"> {
    const waiting = this.waitingFor(pod.metadata.uid);
    const podIP = sandbox.ip;
    const image = await this.ensureImage(pod, spec);
    if (!image) return "retry";
    let opts;
    try {
      const net = await this.network?.containerSetup(pod);
      const env = await resolveEnv({ pod, container: spec, podIP, hostIP: this.cfg.address, nodeName: this.cfg.nodeName, config: this.config });
      // Service variables come after the container's own, which win (as the kubelet's do).
      for (const [name, value] of net?.env ?? []) if (!env.has(name)) env.set(name, value);
      const binds = [...(await containerBinds(this.cfg.rootDir, pod, spec, this.config)), ...(net?.binds ?? [])];
      for (const w of net?.warnings ?? []) this.events(pod, "Warning", w.reason, w.message);
      opts = appContainerCreateOptions(pod, spec, {
        name: containerName(pod.metadata, spec.name, attempt),
        image: spec.image ?? "",
        labels: this.labels(pod, spec.name, attempt, containerHash(spec)),
        sandboxId: sandbox.id,
        env,
        binds,
        imageUser: image.user,
      });
      if (hostConfig) opts.HostConfig = { ...opts.HostConfig, ...hostConfig };
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      // A volume not ready yet (an unbound claim) waits as ContainerCreating with FailedMount.
      const volume = err instanceof VolumeNotReadyError ? err : undefined;
      waiting.set(spec.name, { reason: volume?.waitingReason ?? "CreateContainerConfigError", message: err.message });
      this.events(pod, "Warning", volume?.eventReason ?? "Failed", volume ? err.message : `Error: ${err.message}`);
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
