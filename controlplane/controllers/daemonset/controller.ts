// The DaemonSet controller: one pod per eligible node (./nodes decides eligibility), created
// pinned to its node by a metadata.name node affinity for the scheduler to bind; pods on removed
// or ineligible nodes go; RollingUpdate replaces old-template pods within maxUnavailable/maxSurge
// (./plan), OnDelete leaves them. Expectations keep it from acting twice on the same gap; status
// is written in one place (writeStatus).
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { DaemonSet, DaemonSetStatus } from "../../../api/apps-daemonset";
import type { Node, Pod } from "../../../api/core";
import { selectorMatches } from "../../../api/meta";
import {
  daemonsets as dsRes,
  ignoreNotFound,
  isConflict,
  isNotFound,
  keyOf,
  pods as podsRes,
  realClock,
  runController,
  splitKey,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { ControllerRefManager } from "../controller-ref-manager";
import { syncDaemonSetHistory } from "../history/daemonset";
import { controllerRef, controllerRefTo } from "../owner";
import { isPodActive, isPodReady, msUntilAvailable } from "../pods";
import { Expectations } from "../replicaset/expectations";
import { podSpecForNode, REVISION_HASH_LABEL } from "./nodes";
import { nodeStates, plan } from "./plan";
import { calculateStatus, statusEqual } from "./status";

export interface DaemonSetControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  clock?: Clock;
}

export class DaemonSetController {
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly client: ApiClient;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly revisionInformer: Informer<ControllerRevision>;
  private readonly now: () => number;

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.client = opts.client;
    const clock = opts.clock ?? realClock;
    this.now = () => clock.now();
    this.queue = new WorkQueue({ name: "daemonset", clock });
    this.expectations = new Expectations(this.now);
    this.dsInformer = opts.informers.daemonSets();
    this.podInformer = opts.informers.pods();
    this.nodeInformer = opts.informers.nodes();
    this.revisionInformer = opts.informers.controllerRevisions();
    this.dsInformer.addEventHandler({
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (_o, ds) => this.queue.add(keyOf(ds)),
      onDelete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podEvent(pod, "add"),
      onUpdate: (old, pod) => old.metadata.resourceVersion !== pod.metadata.resourceVersion && this.podEvent(pod, pod.metadata.deletionTimestamp ? "delete" : "update"),
      onDelete: (pod) => this.podEvent(pod, "delete"),
    });
    // Any node change can change where every DaemonSet belongs.
    const all = () => this.dsInformer.list().forEach((ds) => this.queue.add(keyOf(ds)));
    this.nodeInformer.addEventHandler({ onAdd: all, onUpdate: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && all(), onDelete: all });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "daemonset", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const ds = this.dsInformer.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const { namespace } = splitKey(key);
    const owned = await this.claimPods(ds, this.podInformer.byIndex("namespace", namespace ?? ""));
    const nodes = this.nodeInformer.list();
    // The live template's ControllerRevision (for kubectl rollout history/undo) names the hash its pods carry.
    const history = await syncDaemonSetHistory(this.client, ds, this.revisionInformer.byIndex("namespace", namespace ?? ""));
    const hash = history.hash;
    let manageError: unknown;
    if (this.expectations.satisfied(key) && !ds.metadata.deletionTimestamp) {
      try {
        await this.manage(key, ds, plan(ds, nodes, owned, hash, this.now()), hash);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.now();
    const { states } = nodeStates(ds, nodes, owned, hash);
    const status = calculateStatus(ds, states, hash, now);
    if (history.collisionCount) status.collisionCount = history.collisionCount;
    if (!statusEqual(ds.status, status)) await this.writeStatus(ds, status);
    await history.prune(owned);
    if (manageError) throw manageError;
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== status.numberAvailable) {
      const waits = owned.filter((p) => isPodActive(p) && isPodReady(p)).map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms > 0);
      if (waits.length) return { requeueAfter: Math.min(...waits) + 50 };
    }
  }

  private claimPods(ds: DaemonSet, candidates: Pod[]): Promise<Pod[]> {
    const owner = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata };
    const manager = new ControllerRefManager<Pod>({ client: this.client, resource: podsRes, owner, selector: ds.spec.selector, adoptable: isPodActive });
    return manager.claim(candidates);
  }

  private async manage(key: string, ds: DaemonSet, p: { create: string[]; delete: Pod[] }, hash: string): Promise<void> {
    if (!p.create.length && !p.delete.length) return;
    const uids = p.delete.map((pod) => pod.metadata.uid!);
    this.expectations.expect(key, p.create.length, uids);
    const creates = p.create.map((node) => this.createPod(ds, node, hash));
    const deletes = p.delete.map((pod) => this.client.delete(podsRes, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
    const results = await Promise.allSettled([...creates, ...deletes]);
    let firstError: unknown;
    results.forEach((r, i) => {
      const isCreate = i < creates.length;
      if (r.status === "fulfilled") {
        if (!isCreate) this.opts.recorder?.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.delete[i - creates.length]!.metadata.name}`);
        return;
      }
      if (isCreate) this.expectations.lowerExpectations(key, 1);
      else this.expectations.lowerExpectations(key, 0, [uids[i - creates.length]!]);
      if (!isNotFound(r.reason)) firstError ??= r.reason;
    });
    if (firstError) throw firstError;
  }

  private async createPod(ds: DaemonSet, nodeName: string, hash: string): Promise<void> {
    const template = ds.spec.template;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: { ...template.metadata?.labels, [REVISION_HASH_LABEL]: hash },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata })],
      },
      spec: podSpecForNode(template.spec!, nodeName),
    } as unknown as Pod;
    try {
      const created = await this.client.create<Pod>(podsRes, ds.metadata.namespace, pod);
      this.opts.recorder?.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.opts.recorder?.event(ds, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** The one place status is written; on a conflict, once more on the fresh object. */
  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    try {
      await this.client.updateStatus(dsRes, ds.metadata.namespace, { ...ds, status });
    } catch (err) {
      if (!isConflict(err)) return ignoreNotFound(err);
      const fresh = await this.client.get<DaemonSet>(dsRes, ds.metadata.namespace, ds.metadata.name!);
      await this.client.updateStatus(dsRes, ds.metadata.namespace, { ...fresh, status });
    }
  }

  private podEvent(pod: Pod, what: "add" | "update" | "delete"): void {
    const ref = controllerRef(pod);
    if (ref?.kind === "DaemonSet") {
      const key = `${pod.metadata.namespace}/${ref.name}`;
      const ds = this.dsInformer.get(key);
      if (!ds || ds.metadata.uid !== ref.uid) return;
      if (what === "add" && !pod.metadata.deletionTimestamp) this.expectations.creationObserved(key);
      if (what === "delete") this.expectations.deletionObserved(key, pod.metadata.uid ?? "");
      this.queue.add(key);
    } else if (!ref) {
      for (const ds of this.dsInformer.byIndex("namespace", pod.metadata.namespace ?? "")) {
        if (selectorMatches(ds.spec.selector, pod.metadata.labels)) this.queue.add(keyOf(ds));
      }
    }
  }
}
