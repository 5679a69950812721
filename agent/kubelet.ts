// The heart of the agent: the set of pods this node must run (from the API server and from the
// manifest folder), the PLEG-style relist of Docker every second, and one serialized worker per
// pod that syncs it one step toward its spec and recomputes its status. A bad pod only ever
// occupies its own worker.
import type { Logger } from "pino";
import type { AgentConfig } from "./config";
import type { ConfigSource } from "./env";
import { AgentMetrics } from "./metrics";
import { PodManager } from "./pod-manager";
import { PodSyncer } from "./pod-sync";
import { ProbeManager, type ProbeTarget } from "./probes";
import type { DockerRuntime, RuntimeContainer } from "./runtime/docker";
import { computePodStatus, latestByName, currentSandbox } from "./status";
import type { PodStatus } from "../api/core";
import type { Pod } from "./types";
import { removePodDir } from "./volumes";
import { rfc3339 } from "../api/time";

/** Relists asked for by events or actions come at most this often (listing is not free for
 *  dockerd either, and a burst of pod starts asks for many). */
const MIN_RELIST_GAP_MS = Number(process.env.KUBELAB_AGENT_MIN_RELIST_GAP_MS ?? 250);

export interface KubeletHooks {
  /** The pod's status changed (a static pod's goes to its mirror pod). */
  onStatus?(pod: Pod, status: PodStatus): void;
  /** An API pod marked for deletion has no containers left: delete the object. */
  onTerminated?(pod: Pod): Promise<void>;
  event?(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
  /** The set of static pods changed (mirror pods follow). */
  onStaticPods?(): void;
  /** The agent forgot a pod (gone from every source, containers removed). */
  onPodGone?(namespace: string, name: string): void;
}

interface Worker {
  running: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  due?: number;
  failures: number;
}

export class Kubelet {
  readonly syncer: PodSyncer;
  readonly probes: ProbeManager;
  readonly podManager: PodManager;
  private view = new Map<string, RuntimeContainer[]>();
  private signatures = new Map<string, string>();
  private readonly statuses = new Map<string, PodStatus>();
  private readonly lastKnown = new Map<string, { namespace: string; name: string }>();
  private readonly workers = new Map<string, Worker>();
  /** uid -> when the worker last changed Docker; its view is stale until a later relist. */
  private readonly actedAt = new Map<string, number>();
  private lastRelistStart = 0;
  private relisted = false;
  private relistTimer?: NodeJS.Timeout;
  private relistSoon?: NodeJS.Timeout;
  private relisting?: Promise<void>;
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;
  private events?: { stop(): void; connected(): boolean };
  private lastChangeAt = 0;
  /** uid -> when a source first showed the pod (for kubelet_pod_start_duration_seconds). */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    readonly cfg: AgentConfig,
    readonly runtime: DockerRuntime,
    config: ConfigSource,
    private readonly log: Logger,
    private readonly hooks: KubeletHooks = {},
    readonly metrics: AgentMetrics = new AgentMetrics({ defaultMetrics: false }),
  ) {
    this.podManager = new PodManager((uid) => this.enqueue(uid), () => hooks.onStaticPods?.());
    this.syncer = new PodSyncer(cfg, runtime, config, log, (pod, type, reason, message) => hooks.event?.(pod, type, reason, message), metrics);
    metrics.watch({
      allRuntimeContainers: () => this.allRuntimeContainers(),
      desiredPods: () => this.podManager.counts(),
    });
    this.probes = new ProbeManager(runtime, {
      onUnhealthy: (target, _type, message) => {
        this.log.info({ pod: target.podUid, container: target.container.name, message }, "probe failed, restarting");
        this.syncer.unhealthy.set(target.containerId, message);
        const pod = this.desired(target.podUid);
        if (pod) hooks.event?.(pod, "Warning", "Unhealthy", message);
        this.enqueue(target.podUid);
      },
      onChange: (target) => this.enqueue(target.podUid),
    });
  }

  start(): void {
    // Docker's events wake the relist at once; the periodic relist is the safety net that
    // trusts only what the list says (every second, or every few seconds while the event
    // stream is connected and the node is quiet).
    this.events = this.runtime.watchEvents(() => this.requestRelist());
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      await this.relist();
      const busy = this.actedAt.size > 0 || Date.now() - this.lastChangeAt < 10_000;
      const period = this.events?.connected() && !busy ? this.cfg.quietRelistPeriodMs : this.cfg.relistPeriodMs;
      if (!this.stopped) this.relistTimer = setTimeout(() => void loop(), period);
    };
    void loop();
    this.resyncTimer = setInterval(() => this.enqueueAll(), this.cfg.resyncPeriodMs);
  }

  stop(): void {
    this.stopped = true;
    this.events?.stop();
    clearTimeout(this.relistTimer);
    clearTimeout(this.relistSoon);
    clearInterval(this.resyncTimer);
    for (const w of this.workers.values()) clearTimeout(w.timer);
    this.probes.stop();
  }

  // ---- pod sources (the pod manager) --------------------------------------------------------

  desired(uid: string): Pod | undefined {
    return this.podManager.desired(uid);
  }

  /** Every pod this agent runs, with its latest status (what `/pods` on the read-only port shows). */
  pods(): Pod[] {
    return this.podManager.all().map((pod) => ({ ...pod, status: this.statuses.get(pod.metadata.uid) ?? pod.status ?? {} }));
  }

  status(uid: string): PodStatus | undefined {
    return this.statuses.get(uid);
  }

  runtimeContainers(uid: string): RuntimeContainer[] {
    return this.view.get(uid) ?? [];
  }

  allRuntimeContainers(): RuntimeContainer[] {
    return [...this.view.values()].flat();
  }

  // ---- relist (PLEG) -----------------------------------------------------------------------

  /** Lists Docker, and enqueues every pod whose containers changed. Concurrent calls share one. */
  relist(): Promise<void> {
    this.relisting ??= this.doRelist().finally(() => (this.relisting = undefined));
    return this.relisting;
  }

  private requestRelist(): void {
    if (this.relistSoon || this.stopped) return;
    this.relistSoon = setTimeout(() => {
      this.relistSoon = undefined;
      void this.relist().then(() => {
        // A relist that was already running started before the action: run one more.
        if ([...this.actedAt.values()].some((t) => t >= this.lastRelistStart)) this.requestRelist();
      });
    }, Math.max(50, this.lastRelistStart + MIN_RELIST_GAP_MS - Date.now()));
  }

  private async doRelist(): Promise<void> {
    const started = Date.now();
    let list: RuntimeContainer[];
    try {
      // A hung Docker must not stop the loop: give up on this relist after 30 s.
      let timer: NodeJS.Timeout | undefined;
      list = await Promise.race([
        this.runtime.list(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("docker did not answer the relist within 30 s")), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (err) {
      this.metrics.relistErrors.inc();
      this.log.warn({ err: (err as Error).message }, "relist failed");
      return;
    }
    this.metrics.plegRelistDuration.observe((Date.now() - started) / 1000);
    const next = new Map<string, RuntimeContainer[]>();
    for (const c of list) {
      if (!c.podUid) continue;
      if (c.isSandbox && c.state === "running" && c.ip) this.syncer.podIPs.set(c.podUid, c.ip);
      let group = next.get(c.podUid);
      if (!group) next.set(c.podUid, (group = []));
      group.push(c);
    }
    const signatures = new Map<string, string>();
    for (const [uid, containers] of next) {
      signatures.set(uid, containers.map((c) => `${c.id}:${c.state}:${c.ip ?? ""}`).sort().join(","));
    }
    this.view = next;
    this.lastRelistStart = started;
    const firstRelist = !this.relisted;
    this.relisted = true;
    for (const uid of new Set([...signatures.keys(), ...this.signatures.keys()])) {
      if (firstRelist || signatures.get(uid) !== this.signatures.get(uid)) {
        this.lastChangeAt = started;
        this.enqueue(uid);
      }
    }
    for (const [uid, at] of this.actedAt) {
      if (at < started) {
        this.actedAt.delete(uid);
        this.enqueue(uid);
      }
    }
    this.signatures = signatures;
    if (firstRelist) this.enqueueAll();
    this.syncProbes();
  }

  private syncProbes(): void {
    const targets: ProbeTarget[] = [];
    for (const [uid, containers] of this.view) {
      const pod = this.desired(uid);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const sandbox = currentSandbox(containers);
      const podIP = pod.spec.hostNetwork ? this.cfg.address : sandbox?.state === "running" ? sandbox.ip ?? "" : "";
      for (const spec of pod.spec.containers) {
        if (!spec.livenessProbe && !spec.readinessProbe && !spec.startupProbe) continue;
        const latest = latestByName(containers, spec.name)[0];
        if (latest?.state === "running") targets.push({ podUid: uid, containerId: latest.id, container: spec, podIP });
      }
    }
    this.probes.sync(targets);
  }

  // ---- pod workers -------------------------------------------------------------------------

  enqueueAll(): void {
    for (const uid of new Set([...this.podManager.uids(), ...this.view.keys()])) this.enqueue(uid);
  }

  enqueue(uid: string, afterMs = 0): void {
    if (this.stopped) return;
    let worker = this.workers.get(uid);
    if (!worker) this.workers.set(uid, (worker = { running: false, dirty: false, failures: 0 }));
    if (afterMs > 0) {
      const w = worker;
      const due = Date.now() + afterMs;
      if (w.timer && (w.due ?? 0) <= due) return; // an earlier wake-up is already set
      clearTimeout(w.timer);
      w.due = due;
      w.timer = setTimeout(() => {
        w.timer = undefined;
        this.enqueue(uid);
      }, afterMs);
      return;
    }
    worker.dirty = true;
    if (worker.running) return;
    // Start on the next turn: callers finish updating the pod maps first.
    worker.running = true;
    const w = worker;
    setImmediate(() => void this.runWorker(uid, w));
  }

  private async runWorker(uid: string, worker: Worker): Promise<void> {
    while (worker.dirty && !this.stopped) {
      worker.dirty = false;
      const started = Date.now();
      const operation = this.operationType(uid);
      try {
        await this.syncOne(uid);
        worker.failures = 0;
        this.metrics.podWorkerDuration.observe({ operation_type: operation }, (Date.now() - started) / 1000);
      } catch (err) {
        this.metrics.syncErrors.inc();
        worker.failures++;
        const delay = Math.min(500 * 2 ** Math.min(worker.failures, 6), 30_000);
        this.log.warn({ pod: this.describe(uid), err: (err as Error).message, retryInMs: delay }, "pod sync failed");
        this.enqueue(uid, delay);
      }
    }
    worker.running = false;
    if (!this.desired(uid) && !this.view.has(uid) && !worker.timer) this.workers.delete(uid);
  }

  /** The kubelet's operation_type of a pod worker's sync: create (first sync), kill, or sync. */
  private operationType(uid: string): string {
    const pod = this.desired(uid);
    if (!pod || pod.metadata.deletionTimestamp) return "kill";
    return this.statuses.has(uid) ? "sync" : "create";
  }

  private describe(uid: string): string {
    const pod = this.desired(uid);
    return pod ? `${pod.metadata.namespace}/${pod.metadata.name}` : uid;
  }

  private markActed(uid: string): void {
    this.actedAt.set(uid, Date.now());
    this.requestRelist();
  }

  private async syncOne(uid: string): Promise<void> {
    if (!this.relisted || this.stopped) return;
    if (this.actedAt.has(uid)) return; // wait for a relist that shows what we did
    const containers = this.view.get(uid) ?? [];
    const pod = this.desired(uid);
    if (!pod) {
      // Containers of a pod no source knows: an orphan, once every source has spoken.
      if (!this.podManager.apiSourceReady || !this.podManager.staticSourceReady) return;
      if (containers.length > 0) {
        this.log.info({ pod: `${containers[0]!.podNamespace}/${containers[0]!.podName}`, uid }, "removing containers of a pod that no longer exists");
        await this.syncer.killPod(containers, undefined, true);
        this.markActed(uid);
        return;
      }
      await removePodDir(this.cfg.rootDir, uid);
      this.statuses.delete(uid);
      this.firstSeen.delete(uid);
      this.syncer.forget(uid);
      const last = this.lastKnown.get(uid);
      this.lastKnown.delete(uid);
      if (last) this.hooks.onPodGone?.(last.namespace, last.name);
      return;
    }
    if (!this.statuses.has(uid) && !this.firstSeen.has(uid)) this.firstSeen.set(uid, Date.now());
    if (!pod.metadata.deletionTimestamp) this.lastKnown.set(uid, { namespace: pod.metadata.namespace, name: pod.metadata.name });
    const result = await this.syncer.syncPod(pod, containers);
    if (result.terminated) {
      await removePodDir(this.cfg.rootDir, uid);
      await this.hooks.onTerminated?.(pod);
      return;
    }
    if (result.acted) {
      this.metrics.syncActions.inc();
      this.markActed(uid);
    }
    if (result.requeueAfterMs !== undefined && Number.isFinite(result.requeueAfterMs)) this.enqueue(uid, result.requeueAfterMs);
    if (result.acted) return;
    this.updateStatus(pod, containers);
  }

  private updateStatus(pod: Pod, containers: RuntimeContainer[]): void {
    const uid = pod.metadata.uid;
    const previous = this.statuses.get(uid) ?? (pod.status && Object.keys(pod.status).length ? pod.status : undefined);
    const byName = new Map(pod.spec.containers.map((c) => [c.name, c]));
    const status = computePodStatus({
      pod,
      containers,
      waiting: this.syncer.waitingFor(uid),
      ready: (id, name) => this.probes.isReady(id, byName.get(name)!),
      started: (id, name) => this.probes.isStarted(id, byName.get(name)!),
      hostIP: this.cfg.address,
      lastPodIP: this.syncer.podIPs.get(uid),
      previous,
      now: rfc3339(),
    });
    const before = this.statuses.get(uid);
    if (before && JSON.stringify(before) === JSON.stringify(status)) return;
    const seen = this.firstSeen.get(uid);
    if (seen !== undefined && status.phase === "Running") {
      // Only pods this agent started count; a running pod adopted after a restart does not.
      const sandboxCreatedMs = (currentSandbox(containers)?.created ?? 0) * 1000;
      if (sandboxCreatedMs >= seen - 1000) this.metrics.podStartDuration.observe((Date.now() - seen) / 1000);
      this.firstSeen.delete(uid);
    }
    this.statuses.set(uid, status);
    this.hooks.onStatus?.(pod, status);
  }
}
