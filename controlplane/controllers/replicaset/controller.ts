// The ReplicaSet controller: keeps `replicas` pods matching the selector, adopting orphans and
// releasing pods that stopped matching; expectations keep it from acting twice on the same gap;
// then it writes status (replicas, fullyLabeled, ready, available, observedGeneration).
import type { ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { selectorMatches } from "../../../api/meta";
import {
  ignoreNotFound,
  isConflict,
  isNotFound,
  keyOf,
  pods as podsRes,
  realClock,
  replicasets as rsRes,
  runController,
  splitKey,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
  type SyncContext,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { ControllerRefManager } from "../controller-ref-manager";
import { controllerRef, controllerRefTo } from "../owner";
import { isPodActive, isPodReady, msUntilAvailable } from "../pods";
import { Expectations, slowStartBatch } from "./expectations";
import { podsToDelete } from "./pods-to-delete";
import { calculateStatus, statusEqual } from "./status";

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  /** Most pods created or deleted in one sync (Kubernetes' burstReplicas, 500). */
  burstReplicas?: number;
  clock?: Clock;
}

export class ReplicaSetController {
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly client: ApiClient;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.client = opts.client;
    const clock = opts.clock ?? realClock;
    this.now = () => clock.now();
    this.queue = new WorkQueue({ name: "replicaset", clock });
    this.expectations = new Expectations(this.now);
    this.burst = opts.burstReplicas ?? 500;
    this.rsInformer = opts.informers.replicaSets();
    this.podInformer = opts.informers.pods();
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_o, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  /** Runs the workers (4 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "replicaset", queue: this.queue, workers: opts.workers ?? 4, logger: opts.logger, metrics: opts.metrics, signal, sync: (key, ctx) => this.sync(key, ctx) });
  }

  async sync(key: string, _ctx?: SyncContext): Promise<Result | void> {
    const rs = this.rsInformer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const { namespace } = splitKey(key);
    const owned = await this.claimPods(rs, this.podInformer.byIndex("namespace", namespace ?? ""));
    const active = owned.filter(isPodActive);
    let manageError: unknown;
    if (this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, active);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.now();
    const status = calculateStatus(rs, active, now);
    if (!statusEqual(rs.status, status)) await this.writeStatus(rs, status);
    if (manageError) throw manageError;
    const minReady = rs.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) {
      const waits = active.filter(isPodReady).map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms > 0);
      if (waits.length) return { requeueAfter: Math.min(...waits) + 50 };
    }
  }

  /** Pods this ReplicaSet controls after adopting matching orphans and releasing non-matching ones. */
  private claimPods(rs: ReplicaSet, candidates: Pod[]): Promise<Pod[]> {
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: rs.metadata };
    // A finished pod is not adopted (Kubernetes claims only active pods).
    const manager = new ControllerRefManager<Pod>({ client: this.client, resource: podsRes, owner, selector: rs.spec.selector, adoptable: isPodActive });
    return manager.claim(candidates);
  }

  private async manageReplicas(key: string, rs: ReplicaSet, active: Pod[]): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      this.expectations.expect(key, count);
      const { done, error } = await slowStartBatch(count, 1, () => this.createPod(rs));
      if (done < count) this.expectations.lowerExpectations(key, count - done);
      if (error) throw error;
    } else if (diff > 0) {
      const victims = podsToDelete(active, Math.min(diff, this.burst));
      const uids = victims.map((p) => p.metadata.uid!);
      this.expectations.expect(key, 0, uids);
      const results = await Promise.allSettled(victims.map((p) => this.client.delete(podsRes, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } })));
      let firstError: unknown;
      results.forEach((r, i) => {
        if (r.status === "rejected") {
          this.expectations.lowerExpectations(key, 0, [uids[i]!]);
          if (!isNotFound(r.reason)) firstError ??= r.reason;
        } else {
          this.opts.recorder?.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${victims[i]!.metadata.name}`);
        }
      });
      if (firstError) throw firstError;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec.template ?? {};
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...template.metadata?.labels },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: rs.metadata })],
      },
      spec: structuredClone(template.spec),
    } as unknown as Pod;
    try {
      const created = await this.client.create<Pod>(podsRes, rs.metadata.namespace, pod);
      this.opts.recorder?.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.opts.recorder?.event(rs, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async writeStatus(rs: ReplicaSet, status: ReplicaSet["status"]): Promise<void> {
    try {
      await this.client.updateStatus(rsRes, rs.metadata.namespace, { ...rs, status });
    } catch (err) {
      if (!isConflict(err)) return ignoreNotFound(err);
      const fresh = await this.client.get<ReplicaSet>(rsRes, rs.metadata.namespace, rs.metadata.name!);
      await this.client.updateStatus(rsRes, rs.metadata.namespace, { ...fresh, status: { ...status, observedGeneration: rs.metadata.generation } });
    }
  }

  // --- pod events: find the ReplicaSet(s) that care, record what was observed ---

  private rsKeyFor(pod: Pod): string | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "ReplicaSet") return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const rs = this.rsInformer.get(key);
    return rs && rs.metadata.uid === ref.uid ? key : undefined;
  }

  private enqueueMatching(pod: Pod): void {
    for (const rs of this.rsInformer.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (selectorMatches(rs.spec.selector, pod.metadata.labels)) this.queue.add(keyOf(rs));
    }
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const key = this.rsKeyFor(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else if (!controllerRef(pod)) this.enqueueMatching(pod);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      this.podDeleted(pod);
      return;
    }
    const oldRef = controllerRef(old);
    const newRef = controllerRef(pod);
    if (oldRef && oldRef.uid !== newRef?.uid) {
      const oldKey = `${old.metadata.namespace}/${oldRef.name}`;
      if (this.rsInformer.get(oldKey)) this.queue.add(oldKey);
    }
    const key = this.rsKeyFor(pod);
    if (key) this.queue.add(key);
    else if (!newRef) this.enqueueMatching(pod);
  }

  private podDeleted(pod: Pod): void {
    const key = this.rsKeyFor(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, pod.metadata.uid ?? "");
    this.queue.add(key);
  }
}

