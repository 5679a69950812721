// The Deployment controller: one ReplicaSet per pod template, rolled by strategy. sync(key)
// branches as Kubernetes' syncDeployment does: deleting -> status only; paused or scaling ->
// scale; otherwise Recreate or RollingUpdate (rolling.ts, recreate.ts); progress.ts keeps the
// Progressing condition; sync.ts holds the shared steps (new ReplicaSet, scale, cleanup).
import type { Deployment, ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { selectorMatches } from "../../../api/meta";
import {
  keyOf,
  replicasets as rsRes,
  realClock,
  runController,
  WorkQueue,
  type Clock,
  type ApiClient,
  type EventRecorder,
  type Informer,
  type Result,
  type SyncContext,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { ControllerRefManager } from "../controller-ref-manager";
import { controllerRef } from "../owner";
import type { DeploymentContext } from "./context";
import { checkPausedConditions, updateDeploymentStatus } from "./progress";
import { rolloutRecreate } from "./recreate";
import { rolloutRolling } from "./rolling";
import { syncScaleOnly } from "./sync";
import { isScalingEvent } from "./util";

export interface DeploymentControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  clock?: Clock;
}

export class DeploymentController implements DeploymentContext {
  readonly queue: WorkQueue;
  readonly client: ApiClient;
  readonly recorder?: EventRecorder;
  readonly now: () => number;
  private readonly dInformer: Informer<Deployment>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;

  constructor(opts: DeploymentControllerOptions) {
    this.client = opts.client;
    this.recorder = opts.recorder;
    const clock = opts.clock ?? realClock;
    this.now = () => clock.now();
    this.queue = new WorkQueue({ name: "deployment", clock });
    this.dInformer = opts.informers.deployments();
    this.rsInformer = opts.informers.replicaSets();
    this.podInformer = opts.informers.pods();
    this.dInformer.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_o, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueueForReplicaSet(rs),
      onUpdate: (old, rs) => {
        if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(rs)?.uid) this.enqueueOwner(old);
        this.enqueueForReplicaSet(rs);
      },
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    // Recreate waits for old pods to be gone: their deletion wakes the Deployment.
    this.podInformer.addEventHandler({
      onDelete: (pod) => {
        const ref = controllerRef(pod);
        if (ref?.kind !== "ReplicaSet") return;
        const rs = this.rsInformer.get(`${pod.metadata.namespace}/${ref.name}`);
        if (rs) this.enqueueOwner(rs);
      },
    });
  }

  /** Runs the workers (4 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "deployment", queue: this.queue, workers: opts.workers ?? 4, logger: opts.logger, metrics: opts.metrics, signal, sync: (key, ctx) => this.sync(key, ctx) });
  }

  async sync(key: string, _ctx?: SyncContext): Promise<Result | void> {
    const cached = this.dInformer.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const selector = d.spec.selector;
    if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
      this.recorder?.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await updateDeploymentStatus(this, d, { ...d.status, observedGeneration: d.metadata.generation });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return syncScaleOnly(this, d, rsList, { statusOnly: true });
    await checkPausedConditions(this, d);
    if (d.spec.paused) return syncScaleOnly(this, d, rsList);
    if (isScalingEvent(d, rsList)) return syncScaleOnly(this, d, rsList);
    if (d.spec.strategy?.type === "Recreate") return rolloutRecreate(this, d, rsList);
    return rolloutRolling(this, d, rsList);
  }

  /** The ReplicaSets this Deployment controls, after adopting matching orphans and releasing others. */
  claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const owner = { apiVersion: "apps/v1", kind: "Deployment", metadata: d.metadata };
    const manager = new ControllerRefManager<ReplicaSet>({ client: this.client, resource: rsRes, owner, selector: d.spec.selector });
    return manager.claim(this.rsInformer.byIndex("namespace", d.metadata.namespace ?? ""));
  }

  /** Pods of these ReplicaSets (by controller owner). */
  podsOf(rss: ReplicaSet[]): Pod[] {
    return rss.flatMap((rs) => this.podInformer.byIndex("owner", rs.metadata.uid ?? ""));
  }

  private enqueueOwner(rs: ReplicaSet): void {
    const ref = controllerRef(rs);
    if (ref?.kind !== "Deployment") return;
    const key = `${rs.metadata.namespace}/${ref.name}`;
    const d = this.dInformer.get(key);
    if (d && d.metadata.uid === ref.uid) this.queue.add(key);
  }

  private enqueueForReplicaSet(rs: ReplicaSet): void {
    if (controllerRef(rs)) return this.enqueueOwner(rs);
    for (const d of this.dInformer.byIndex("namespace", rs.metadata.namespace ?? "")) {
      if (selectorMatches(d.spec.selector, rs.metadata.labels)) this.queue.add(keyOf(d));
    }
  }
}

