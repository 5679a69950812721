// The node lifecycle controller: a node whose Lease and status have not moved for the grace
// period gets its conditions set to Unknown ("Kubelet stopped posting node status.") and the
// node.kubernetes.io/unreachable:NoExecute taint (not-ready for Ready=False); the taint goes when
// it is Ready again. Pods on a node with a NoExecute taint are deleted once their toleration runs
// out (300 s by default, --default-unreachable-toleration-seconds).
import type { Lease } from "../../../api/coordination";
import type { Node, Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import {
  nodes as nodesRes,
  pods as podsRes,
  realClock,
  runController,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { ignoreNotFoundOrConflict } from "../errors";
import { evictionTime, NODE_STATUS_UNKNOWN_MESSAGE, reconcileHealthTaints, wantedTaintKey } from "./taints";

export interface NodeLifecycleOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  /** --node-monitor-grace-period (default 40 s). */
  gracePeriodSeconds?: number;
  /** Toleration for the unreachable/not-ready taints of pods that have none (default 300 s). */
  defaultTolerationSeconds?: number;
  clock?: Clock;
}

interface Observed {
  at: number;
  renewTime?: string;
  heartbeat?: string;
}

export class NodeLifecycleController {
  readonly queue: WorkQueue;
  private readonly client: ApiClient;
  private readonly nodeInformer: Informer<Node>;
  private readonly podInformer: Informer<Pod>;
  private readonly observed = new Map<string, Observed>();
  private readonly graceMs: number;
  private readonly defaultTolerationSeconds: number;
  private readonly now: () => number;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.client = opts.client;
    const clock = opts.clock ?? realClock;
    this.now = () => clock.now();
    this.queue = new WorkQueue({ name: "nodelifecycle", clock });
    this.graceMs = (opts.gracePeriodSeconds ?? 40) * 1000;
    this.defaultTolerationSeconds = opts.defaultTolerationSeconds ?? 300;
    this.nodeInformer = opts.informers.nodes();
    this.podInformer = opts.informers.pods();
    const leaseInformer: Informer<Lease> = opts.informers.nodeLeases();
    this.nodeInformer.addEventHandler({
      onAdd: (n) => this.nodeSeen(n),
      onUpdate: (_o, n) => this.nodeSeen(n),
      onDelete: (n) => {
        this.observed.delete(n.metadata?.name ?? "");
      },
    });
    leaseInformer.addEventHandler({ onAdd: (l) => this.leaseSeen(l), onUpdate: (_o, l) => this.leaseSeen(l) });
    this.podInformer.addEventHandler({ onAdd: (p) => this.podSeen(p), onUpdate: (_o, p) => this.podSeen(p) });
  }

  /** Runs the workers (2 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "nodelifecycle", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<Result | void> {
    let node = this.nodeInformer.get(name);
    if (!node) {
      this.observed.delete(name);
      return;
    }
    const now = this.now();
    let obs = this.observed.get(name);
    if (!obs) this.observed.set(name, (obs = { at: now }));
    const silentFor = now - obs.at;
    let wake = silentFor < this.graceMs ? this.graceMs - silentFor : Infinity;

    if (silentFor >= this.graceMs) node = await this.markUnknown(node);
    const taints = reconcileHealthTaints(node, wantedTaintKey(node), rfc3339(now));
    if (taints) node = await this.setTaints(node, taints);

    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    if (noExecute.length > 0) {
      for (const pod of this.podInformer.byIndex("nodeName", name)) {
        if (pod.metadata?.deletionTimestamp) continue;
        const at = Math.min(...noExecute.map((t) => evictionTime(pod, t, this.defaultTolerationSeconds, now)));
        if (at <= now) await this.evict(pod);
        else if (at !== Infinity) wake = Math.min(wake, at - now);
      }
    }
    if (wake !== Infinity) return { requeueAfter: Math.max(50, wake + 50) };
  }

  private async markUnknown(node: Node): Promise<Node> {
    const conditions = node.status?.conditions ?? [];
    const types = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
    if (types.every((t) => conditions.find((c) => c.type === t)?.status === "Unknown")) return node;
    const t = rfc3339(this.now());
    const next = types.map((type) => {
      const old = conditions.find((c) => c.type === type);
      if (old?.status === "Unknown") return old;
      return { type, status: "Unknown", lastHeartbeatTime: old?.lastHeartbeatTime ?? t, lastTransitionTime: t, reason: "NodeStatusUnknown", message: NODE_STATUS_UNKNOWN_MESSAGE };
    });
    const others = conditions.filter((c) => !types.includes(c.type));
    const wasReady = conditions.find((c) => c.type === "Ready")?.status === "True";
    const updated = await this.client.patchSubresource<Node>(nodesRes, undefined, node.metadata!.name!, "status", { status: { conditions: [...others, ...next] } }, "merge");
    if (wasReady) this.opts.recorder?.event(node, "Normal", "NodeNotReady", `Node ${node.metadata?.name} status is now: NodeNotReady`);
    return updated;
  }

  private async setTaints(node: Node, taints: NonNullable<Node["spec"]>["taints"]): Promise<Node> {
    return this.client.patch<Node>(nodesRes, undefined, node.metadata!.name!, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints?.length ? taints : null } }, "merge");
  }

  private async evict(pod: Pod): Promise<void> {
    this.opts.recorder?.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
    await this.client.delete(podsRes, pod.metadata?.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } }).catch(ignoreNotFoundOrConflict);
  }

  private nodeSeen(node: Node): void {
    const name = node.metadata?.name ?? "";
    const heartbeat = node.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
    const obs = this.observed.get(name);
    if (!obs) this.observed.set(name, { at: this.now(), heartbeat });
    else if (heartbeat && heartbeat !== obs.heartbeat) {
      obs.heartbeat = heartbeat;
      obs.at = this.now();
    }
    this.queue.add(name);
  }

  private leaseSeen(lease: Lease): void {
    const name = lease.metadata?.name ?? "";
    const renew = lease.spec?.renewTime ?? undefined;
    const obs = this.observed.get(name);
    if (!obs) this.observed.set(name, { at: this.now(), renewTime: renew });
    else if (renew && renew !== obs.renewTime) {
      const wasSilent = this.now() - obs.at >= this.graceMs;
      obs.renewTime = renew;
      obs.at = this.now();
      if (!wasSilent) return;
    }
    this.queue.add(name);
  }

  private podSeen(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata?.deletionTimestamp) return;
    const node = this.nodeInformer.get(nodeName);
    if (node?.spec?.taints?.some((t) => t.effect === "NoExecute")) this.queue.add(nodeName);
  }
}
