// The scheduler: pods without a node come through the scheduling queue (queue.ts) one at a time;
// each decision runs the filter and score plugins over the cache, assumes the pod on the chosen
// node and sends the binding in the background (a bounded number in flight, as Kubernetes' binding
// cycle). Pods that fit nowhere get PodScheduled=False (Unschedulable) with Kubernetes' "0/N nodes
// are available: ..." message and a FailedScheduling event, and are parked until a cluster event
// that one of the plugins that rejected them says may help (cluster-events.ts), or 5 minutes.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Node, Pod } from "../../api/core";
import { rfc3339 } from "../../api/time";
import {
  ConcurrencyLimiter,
  ignoreNotFound,
  realClock,
  isConflict,
  isNotFound,
  keyOf,
  pods as podsRes,
  runController,
  splitKey,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../client";
import type { SharedInformers } from "../../client/informer-factory";
import { isTerminal, SchedulerCache } from "./cache";
import { nodeUpdateActions, QueueingHints } from "./cluster-events";
import { SchedulerMetrics } from "./metrics";
import { filtersWithVolumes, fitErrorMessage, schedulePod } from "./framework";
import { VolumeBinder } from "./plugins/volume-binding";
import { newPodInfo } from "./node-info";
import { DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS, SchedulingQueue } from "./queue";
import type { ClusterEvent } from "./types";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  logger?: Logger;
  schedulerName?: string;
  /** Try a parked unschedulable pod again after this long even without an event that may help (default 5 min, Kubernetes' podMaxInUnschedulablePodsDuration). */
  retryUnschedulableMs?: number;
  /** Backoff after a failed attempt: initial, doubling per attempt up to max (default 1 s and 10 s). */
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Bindings in flight at once (default 64). */
  bindConcurrency?: number;
  clock?: Clock;
  /** The process's registry: scheduler_* metrics, and the queue's workqueue_* and reconcile metrics. */
  metrics?: Registry;
}

export class Scheduler {
  /** The activeQ: pods to try now (workqueue_* metrics under name "scheduler"). */
  readonly queue: WorkQueue;
  readonly schedulingQueue: SchedulingQueue;
  readonly cache = new SchedulerCache();
  private readonly client: ApiClient;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
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
    this.retryMs = opts.retryUnschedulableMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS;
    this.bindings = new ConcurrencyLimiter(opts.bindConcurrency ?? 64);
    const clock = opts.clock ?? realClock;
    this.queue = new WorkQueue({ name: "scheduler", clock });
    if (opts.metrics) this.metrics = new SchedulerMetrics(opts.metrics, this.schedulerName, () => this.schedulingQueue.pending());
    this.podInformer = opts.informers.pods();
    this.nodeInformer = opts.informers.nodes();
    this.volumes = new VolumeBinder({ client: opts.client, informers: opts.informers, onChange: (event, oldObj, newObj) => this.clusterEvent(event, oldObj, newObj) });
    this.filters = filtersWithVolumes(this.volumes.lookup);
    this.schedulingQueue = new SchedulingQueue({
      activeQ: this.queue,
      hints: new QueueingHints(this.filters),
      clock,
      initialBackoffMs: opts.podInitialBackoffMs,
      maxBackoffMs: opts.podMaxBackoffMs,
    });
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.clusterEvent({ resource: "Node", actions: ["Add"] }, undefined, node);
      },
      onUpdate: (old, node) => {
        this.cache.addNode(node);
        const actions = nodeUpdateActions(old, node);
        if (actions.length > 0) this.clusterEvent({ resource: "Node", actions }, old, node);
      },
      onDelete: (node) => this.cache.removeNode(node),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podSeen(pod),
      onUpdate: (old, pod) => {
        if (!pod.spec?.nodeName && !old.spec?.nodeName) {
          // A pending pod's own status writes (PodScheduled=False) change nothing the filters read.
          if (JSON.stringify(old.spec) === JSON.stringify(pod.spec) && sameLabels(old, pod)) return;
          if (this.needsScheduling(pod)) this.schedulingQueue.update(keyOf(pod));
          else this.schedulingQueue.forget(keyOf(pod));
          return;
        }
        const wasCounted = Boolean(old.spec?.nodeName) && !isTerminal(old);
        this.podSeen(pod);
        // A bound pod that finished frees what it held, as if it were deleted.
        if (wasCounted && isTerminal(pod)) this.clusterEvent({ resource: "Pod", actions: ["Delete"] }, old, undefined);
      },
      onDelete: (pod) => {
        const key = keyOf(pod);
        const wasBound = (Boolean(pod.spec?.nodeName) && !isTerminal(pod)) || this.cache.isAssumed(key);
        this.cache.removePod(pod);
        this.schedulingQueue.forget(key);
        if (wasBound) this.clusterEvent({ resource: "Pod", actions: ["Delete"] }, pod, undefined);
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    const { logger, metrics } = this.opts;
    return runController({ name: "scheduler", queue: this.queue, workers: 1, logger, metrics, signal, sync: (key) => this.scheduleOne(key) })
      .finally(() => {
        this.schedulingQueue.close();
        this.metrics?.close();
      });
  }

  /** One decision for the pod with this key. */
  async scheduleOne(key: string): Promise<Result | void> {
    const pod = this.podInformer.get(key);
    if (!pod || !this.needsScheduling(pod) || this.cache.isAssumed(key)) {
      if (!this.cache.isAssumed(key)) this.schedulingQueue.forget(key);
      return;
    }
    this.schedulingQueue.popped(key);
    const started = performance.now();
    const info = newPodInfo(pod);
    const nodes = this.cache.nodeList();
    const result = schedulePod(info, nodes, { startIndex: this.nextStart, filters: this.filters });
    this.nextStart = result.nextStartIndex;
    if (!result.node) {
      const message = fitErrorMessage(nodes.length, result.diagnosis);
      // Parked before any await, so no cluster event can slip between the decision and the parking.
      // No plugin to ask (there are no nodes): tried again after its backoff, as Kubernetes does.
      if (result.unschedulablePlugins.size === 0) this.schedulingQueue.retryAfterBackoff(key);
      else this.schedulingQueue.parkUnschedulable(key, pod, result.unschedulablePlugins);
      try {
        await this.markUnschedulable(pod, message);
      } catch (err) {
        this.metrics?.attempt("error", started);
        throw err;
      }
      this.metrics?.attempt("unschedulable", started);
      // The leftover flush: tried again after retryMs if no event moved it before.
      return { requeueAfter: this.retryMs };
    }
    const nodeName = result.node.node.metadata!.name!;
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
      this.schedulingQueue.forget(key);
      this.scheduledCount++;
      this.metrics?.attempt("scheduled", started);
      this.opts.recorder?.event(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forget(key);
      if (isNotFound(err)) return;
      this.metrics?.attempt("error", started);
      this.opts.logger?.warn({ err, pod: key, node: nodeName }, "binding failed");
      if (!isConflict(err)) this.opts.recorder?.event(pod, "Warning", "FailedScheduling", `Binding rejected: ${(err as Error).message}`);
      this.schedulingQueue.retryAfterBackoff(key);
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
      this.schedulingQueue.forget(keyOf(pod));
    } else if (this.needsScheduling(pod)) this.schedulingQueue.add(keyOf(pod));
  }

  /** Something changed in the cluster: the parked pods it may help are tried again. */
  private clusterEvent(event: ClusterEvent, oldObj: unknown, newObj: unknown): void {
    this.schedulingQueue.onClusterEvent(event, oldObj, newObj);
  }
}

function sameLabels(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.metadata?.labels ?? {}) === JSON.stringify(b.metadata?.labels ?? {});
}

