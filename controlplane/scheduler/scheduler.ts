// The scheduler: pods without a node come through a work queue one at a time; each decision runs
// the filter and score plugins over the cache, assumes the pod on the chosen node and sends the
// binding in the background. Pods that fit nowhere get PodScheduled=False (Unschedulable) with
// Kubernetes' "0/N nodes are available: ..." message and a FailedScheduling event, and are retried
// when nodes or pods change, and periodically.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Node, Pod } from "../../api/core";
import { rfc3339 } from "../../api/time";
import {
  ConcurrencyLimiter,
  ignoreNotFound,
  isConflict,
  isNotFound,
  keyOf,
  pods as podsRes,
  runController,
  splitKey,
  WorkQueue,
  type ApiClient,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../client";
import type { SharedInformers } from "../../client/informer-factory";
import { SchedulerCache } from "./cache";
import { SchedulerMetrics } from "./metrics";
import { filtersWithVolumes, fitErrorMessage, schedulePod } from "./framework";
import { VolumeBinder } from "./plugins/volume-binding";
import { newPodInfo } from "./node-info";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  logger?: Logger;
  schedulerName?: string;
  /** Retry an unschedulable pod at least this often (default 30 s). */
  retryUnschedulableMs?: number;
  /** Bindings in flight at once (default 64). */
  bindConcurrency?: number;
  /** The process's registry: scheduler_* metrics, and the queue's workqueue_* and reconcile metrics. */
  metrics?: Registry;
}

export class Scheduler {
  readonly queue = new WorkQueue({ name: "scheduler" });
  readonly cache = new SchedulerCache();
  private readonly client: ApiClient;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly unschedulable = new Set<string>();
  private readonly schedulerName: string;
  private readonly retryMs: number;
  private readonly bindings: ConcurrencyLimiter;
  private readonly metrics?: SchedulerMetrics;
  private readonly volumes: VolumeBinder;
  private readonly filters: ReturnType<typeof filtersWithVolumes>;
  private nextStart = 0;
  /** Pods bound by this scheduler (for benchmarks and tests). */
  scheduledCount = 0;

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.retryMs = opts.retryUnschedulableMs ?? 30_000;
    this.bindings = new ConcurrencyLimiter(opts.bindConcurrency ?? 64);
    if (opts.metrics) this.metrics = new SchedulerMetrics(opts.metrics, this.schedulerName, () => this.pendingPods());
    this.podInformer = opts.informers.pods();
    this.nodeInformer = opts.informers.nodes();
    this.volumes = new VolumeBinder({ client: opts.client, informers: opts.informers, onChange: () => this.retryUnschedulable() });
    this.filters = filtersWithVolumes(this.volumes.lookup);
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.retryUnschedulable();
      },
      onUpdate: (old, node) => {
        this.cache.addNode(node);
        if (schedulingRelevant(old) !== schedulingRelevant(node)) this.retryUnschedulable();
      },
      onDelete: (node) => this.cache.removeNode(node),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podSeen(pod),
      onUpdate: (old, pod) => {
        if (!pod.spec?.nodeName && !old.spec?.nodeName && JSON.stringify(old.spec) === JSON.stringify(pod.spec) && sameLabels(old, pod)) return;
        this.podSeen(pod);
      },
      onDelete: (pod) => {
        const wasBound = Boolean(pod.spec?.nodeName) || this.cache.isAssumed(keyOf(pod));
        this.cache.removePod(pod);
        this.unschedulable.delete(keyOf(pod));
        if (wasBound) this.retryUnschedulable();
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    const { logger, metrics } = this.opts;
    return runController({ name: "scheduler", queue: this.queue, workers: 1, logger, metrics, signal, sync: (key) => this.scheduleOne(key) })
      .finally(() => this.metrics?.close());
  }

  /** One decision for the pod with this key. */
  async scheduleOne(key: string): Promise<Result | void> {
    const pod = this.podInformer.get(key);
    if (!pod || !this.needsScheduling(pod) || this.cache.isAssumed(key)) {
      this.unschedulable.delete(key);
      return;
    }
    const started = performance.now();
    const info = newPodInfo(pod);
    const nodes = this.cache.nodeList();
    const result = schedulePod(info, nodes, { startIndex: this.nextStart, filters: this.filters });
    this.nextStart = result.nextStartIndex;
    if (!result.node) {
      const message = fitErrorMessage(nodes.length, result.diagnosis);
      this.unschedulable.add(key);
      try {
        await this.markUnschedulable(pod, message);
      } catch (err) {
        this.metrics?.attempt("error", started);
        throw err;
      }
      this.metrics?.attempt("unschedulable", started);
      return { requeueAfter: this.retryMs };
    }
    const nodeName = result.node.node.metadata!.name!;
    this.unschedulable.delete(key);
    this.cache.assume(info, nodeName);
    // Wait for a binding slot (back-pressure on decisions), then bind in the background.
    const release = await this.bindings.acquire();
    void this.bind(pod, key, nodeName, started).finally(release);
  }

  private async bind(pod: Pod, key: string, nodeName: string, started: number): Promise<void> {
    const { namespace, name } = splitKey(key);
    try {
      const volumes = this.volumes.preBind(pod, nodeName);
      if (volumes) await volumes;
      await this.client.createBinding(namespace!, name, nodeName, { podUid: pod.metadata?.uid });
      this.scheduledCount++;
      this.metrics?.attempt("scheduled", started);
      this.opts.recorder?.event(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forget(key);
      if (isNotFound(err)) return;
      this.metrics?.attempt("error", started);
      this.opts.logger?.warn({ err, pod: key, node: nodeName }, "binding failed");
      if (!isConflict(err)) this.opts.recorder?.event(pod, "Warning", "FailedScheduling", `Binding rejected: ${(err as Error).message}`);
      this.queue.addRateLimited(key);
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    this.opts.recorder?.event(pod, "Warning", "FailedScheduling", message);
    const current = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (current?.status === "False" && current.reason === "Unschedulable" && current.message === message) return;
    const condition = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: rfc3339(),
      reason: "Unschedulable",
      message,
    };
    const others = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    await this.client
      .patchSubresource(podsRes, pod.metadata?.namespace, pod.metadata!.name!, "status", { status: { phase: "Pending", conditions: [...others, condition] } }, "merge")
      .catch(ignoreNotFound);
  }

  private needsScheduling(pod: Pod): boolean {
    if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return false;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return false;
    const name = pod.spec?.schedulerName;
    return !name || name === this.schedulerName;
  }

  private podSeen(pod: Pod): void {
    if (pod.spec?.nodeName) {
      this.cache.setPod(pod);
      this.unschedulable.delete(keyOf(pod));
    } else if (this.needsScheduling(pod)) this.queue.add(keyOf(pod));
  }

  /** For scheduler_pending_pods: queued, waiting out a backoff, or parked as unschedulable. */
  private pendingPods() {
    const unschedulable = this.unschedulable.size;
    return { active: this.queue.len(), backoff: Math.max(0, this.queue.delayed() - unschedulable), unschedulable };
  }

  /** Something changed that may make room: try the unschedulable pods again. */
  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }
}

function sameLabels(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.metadata?.labels ?? {}) === JSON.stringify(b.metadata?.labels ?? {});
}

/** The parts of a Node the filters look at (heartbeats alone do not retry pods). */
function schedulingRelevant(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return JSON.stringify([node.spec?.unschedulable, node.spec?.taints, node.metadata?.labels, node.status?.allocatable, ready]);
}
