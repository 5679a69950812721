// The StatefulSet controller: pods with stable names `<set>-<ordinal>`, each with its own claims
// (`<template>-<set>-<ordinal>`, created before the pod and kept when it is replaced), made and
// removed in ordinal order (OrderedReady) or all at once (Parallel), rolled in reverse ordinal
// order down to the partition (RollingUpdate) or only when deleted (OnDelete), with a
// ControllerRevision per template. ./plan decides one step; sync does it and writes status in
// one place (writeStatus). The pods' names make it idempotent: a create whose pod the cache has
// not seen yet fails AlreadyExists and is let be, so no expectations are needed.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { StatefulSet, StatefulSetStatus } from "../../../api/apps-statefulset";
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { Pod } from "../../../api/core";
import { selectorMatches } from "../../../api/meta";
import {
  controllerrevisions as crRes,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  isNotFound,
  keyOf,
  persistentvolumeclaims as pvcRes,
  pods as podsRes,
  realClock,
  runController,
  statefulsets as stsRes,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { ControllerRefManager } from "../controller-ref-manager";
import { controllerRef } from "../owner";
import { isPodActive } from "../pods";
import type { ControllerRunOptions } from "../run-options";
import { isMemberOf } from "./identity";
import { plan, type Action } from "./plan";
import { syncRevisions, truncateHistory } from "./revisions";
import { calculateStatus, statusEqual } from "./status";

export interface StatefulSetControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  clock?: Clock;
}

export class StatefulSetController {
  readonly queue: WorkQueue;
  private readonly client: ApiClient;
  private readonly setInformer: Informer<StatefulSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly claimInformer: Informer<PersistentVolumeClaim>;
  private readonly revisionInformer: Informer<ControllerRevision>;
  private readonly now: () => number;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.client = opts.client;
    const clock = opts.clock ?? realClock;
    this.now = () => clock.now();
    this.queue = new WorkQueue({ name: "statefulset", clock });
    this.setInformer = opts.informers.statefulSets();
    this.podInformer = opts.informers.pods();
    this.claimInformer = opts.informers.persistentVolumeClaims();
    this.revisionInformer = opts.informers.controllerRevisions();
    this.setInformer.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podEvent(p),
      onUpdate: (o, p) => o.metadata.resourceVersion !== p.metadata.resourceVersion && this.podEvent(p),
      onDelete: (p) => this.podEvent(p),
    });
    // A claim going away may unblock its ordinal (a stale claim is waited for).
    this.claimInformer.addEventHandler({ onDelete: (c) => this.claimEvent(c), onUpdate: (_o, c) => this.claimEvent(c) });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "statefulset", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const set = this.setInformer.get(key);
    if (!set) return;
    const ns = set.metadata.namespace ?? "";
    const pods = (await this.claimPods(set, this.podInformer.byIndex("namespace", ns))).filter((p) => isMemberOf(set, p));
    const owned = await this.claimRevisions(set, this.revisionInformer.byIndex("namespace", ns));
    const revs = await syncRevisions(this.client, set, owned);
    const claims = new Map(this.claimInformer.byIndex("namespace", ns).map((c) => [c.metadata.name!, c]));
    const next = plan({ set, pods, claims, current: revs.current, update: revs.update, now: this.now() });
    let failure: unknown;
    try {
      await this.apply(set, next.actions);
    } catch (err) {
      failure = err;
    }
    const status = calculateStatus(set, pods, { current: revs.current.name, update: revs.update.name, collisionCount: revs.collisionCount }, this.now());
    if (!statusEqual(set.status, status)) await this.writeStatus(set, status);
    await truncateHistory(this.client, set, pods, revs);
    if (failure) throw failure;
    if (next.waitMs) return { requeueAfter: next.waitMs + 50 };
  }

  /** Claims the set's pods: owned, adopted orphans that match, released ones that no longer do. */
  private claimPods(set: StatefulSet, candidates: Pod[]): Promise<Pod[]> {
    const owner = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata };
    const manager = new ControllerRefManager<Pod>({ client: this.client, resource: podsRes, owner, selector: set.spec.selector, adoptable: (p) => isPodActive(p) && isMemberOf(set, p) });
    return manager.claim(candidates);
  }

  /** ClaimControllerRevisions: the set's revisions, orphans matching its selector adopted. */
  private claimRevisions(set: StatefulSet, candidates: ControllerRevision[]): Promise<ControllerRevision[]> {
    const owner = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata };
    return new ControllerRefManager<ControllerRevision>({ client: this.client, resource: crRes, owner, selector: set.spec.selector }).claim(candidates);
  }

  /** Does the plan's actions; Parallel's several creates and deletes go at once. */
  private async apply(set: StatefulSet, actions: Action[]): Promise<void> {
    const results = await Promise.allSettled(actions.map((a) => this.act(set, a)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private async act(set: StatefulSet, a: Action): Promise<void> {
    const ns = set.metadata.namespace;
    switch (a.kind) {
      case "create":
        await this.createClaims(set, a.pod, a.claims);
        return this.record(set, "create", "Pod", a.pod.metadata.name!, this.client.create(podsRes, ns, a.pod), true);
      case "createClaims":
        return this.createClaims(set, a.pod, a.claims);
      case "delete":
        if (a.why === "failed") this.opts.recorder?.event(set, "Warning", "RecreatingFailedPod", `StatefulSet ${ns}/${set.metadata.name} is recreating failed Pod ${a.pod.metadata.name}`);
        return this.record(set, "delete", "Pod", a.pod.metadata.name!, this.client.delete(podsRes, ns, a.pod.metadata.name!, { preconditions: { uid: a.pod.metadata.uid } }));
      case "updatePod":
        return this.record(set, "update", "Pod", a.pod.metadata.name!, this.client.update(podsRes, ns, a.pod));
      case "updateClaim": {
        const c = a.claim.metadata;
        await this.client.patch(pvcRes, ns, c.name!, { metadata: { resourceVersion: c.resourceVersion, ownerReferences: a.owners.length ? a.owners : null } }, "merge").catch(ignoreNotFound);
      }
    }
  }

  /** createPersistentVolumeClaims: the pod's missing claims, each with its event. */
  private async createClaims(set: StatefulSet, pod: Pod, claims: PersistentVolumeClaim[]): Promise<void> {
    for (const claim of claims) {
      const name = claim.metadata.name!;
      const done = this.client.create(pvcRes, set.metadata.namespace, claim).catch((err) => {
        if (!isAlreadyExists(err)) throw err;
        return "exists" as const;
      });
      const result = await done.catch((err: Error) => {
        this.opts.recorder?.event(set, "Warning", "FailedCreate", `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err.message}`);
        throw err;
      });
      if (result !== "exists") this.opts.recorder?.event(set, "Normal", "SuccessfulCreate", `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    }
  }

  /** recordPodEvent: "<verb> Pod <name> in StatefulSet <set> successful" or "... failed error: ...". */
  private async record(set: StatefulSet, verb: string, kind: string, name: string, call: Promise<unknown>, createLike = false): Promise<void> {
    const reason = verb[0]!.toUpperCase() + verb.slice(1);
    try {
      await call;
    } catch (err) {
      // The cache was behind: the pod is there already (create) or gone already (delete).
      if ((createLike && isAlreadyExists(err)) || (!createLike && isNotFound(err))) return;
      if (isConflict(err) && !createLike) return;
      this.opts.recorder?.event(set, "Warning", `Failed${reason}`, `${verb} ${kind} ${name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
    this.opts.recorder?.event(set, "Normal", `Successful${reason}`, `${verb} ${kind} ${name} in StatefulSet ${set.metadata.name} successful`);
  }

  /** The one place status is written; on a conflict, once more on the fresh object. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    try {
      await this.client.updateStatus(stsRes, set.metadata.namespace, { ...set, status });
    } catch (err) {
      if (!isConflict(err)) return ignoreNotFound(err);
      const fresh = await this.client.get<StatefulSet>(stsRes, set.metadata.namespace, set.metadata.name!);
      await this.client.updateStatus(stsRes, set.metadata.namespace, { ...fresh, status });
    }
  }

  private podEvent(pod: Pod): void {
    const ref = controllerRef(pod);
    if (ref?.kind === "StatefulSet") {
      this.queue.add(`${pod.metadata.namespace}/${ref.name}`);
      return;
    }
    if (ref) return;
    for (const set of this.setInformer.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (selectorMatches(set.spec.selector, pod.metadata.labels)) this.queue.add(keyOf(set));
    }
  }

  /** A claim `<tmpl>-<set>-<n>` concerns the set whose pod `<set>-<n>` it serves. */
  private claimEvent(claim: PersistentVolumeClaim): void {
    for (const set of this.setInformer.byIndex("namespace", claim.metadata.namespace ?? "")) {
      const templates = set.spec.volumeClaimTemplates ?? [];
      if (templates.some((t) => (claim.metadata.name ?? "").startsWith(`${t.metadata.name}-${set.metadata.name}-`))) this.queue.add(keyOf(set));
    }
  }
}
