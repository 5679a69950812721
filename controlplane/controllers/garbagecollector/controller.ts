// The garbage collector: follows ownerReferences among Deployments, ReplicaSets, Pods, Services,
// ConfigMaps, whatever else it is given to watch (the EndpointSlices the endpointslice controller
// owns to their Service) and every custom resource while its CRD is served (../crd/informers.ts).
// - background: a dependent whose owners are all gone is deleted (one gone of several: the
//   reference is removed);
// - foreground: an owner being deleted with the foregroundDeletion finalizer has its dependents
//   deleted first, then the finalizer removed (so the API server removes the owner);
// - orphan: an owner with the orphan finalizer has its references removed from its dependents,
//   then the finalizer.
import type { OwnerReference } from "../../../api/meta";
import * as resources from "../../../client/resources";
import {
  isNotFound,
  keyOf,
  runController,
  WorkQueue,
  type ApiClient,
  type Informer,
  type ObjectWithMeta,
  type ResourceRef,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { endpointslices } from "../../../client/resources";
import type { CustomResourceInformers } from "../crd/informers";
import type { ControllerRunOptions } from "../run-options";
import { ignoreNotFoundOrConflict } from "../errors";
import { release } from "../owner";

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}
type Obj = ObjectWithMeta & { metadata: Meta };

const kinds: Record<string, ResourceRef> = {
  "v1/Pod": resources.pods,
  "v1/Node": resources.nodes,
  "v1/Service": resources.services,
  "v1/Endpoints": resources.endpoints,
  "v1/ConfigMap": resources.configmaps,
  "v1/Secret": resources.secrets,
  "v1/PersistentVolumeClaim": resources.persistentvolumeclaims,
  "v1/PersistentVolume": resources.persistentvolumes,
  "v1/Namespace": resources.namespaces,
  "apps/v1/Deployment": resources.deployments,
  "apps/v1/ReplicaSet": resources.replicasets,
  "apps/v1/DaemonSet": resources.daemonsets,
  "apps/v1/StatefulSet": resources.statefulsets,
  "apps/v1/ControllerRevision": resources.controllerrevisions,
  "coordination.k8s.io/v1/Lease": resources.leases,
  "discovery.k8s.io/v1/EndpointSlice": endpointslices,
  "gitops.kubelab.io/v1alpha1/GitRepository": resources.gitrepositories,
  "batch/v1/Job": { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
  "batch/v1/CronJob": { group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true },
};

type Watched = { informer: Informer<Obj>; res: ResourceRef };

/** "example.com/Widget": a kind without its version (an owner may name any served version). */
const groupKind = (apiVersion: string, kind: string) => `${apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : ""}/${kind}`;

export class GarbageCollector {
  readonly queue = new WorkQueue({ name: "garbagecollector" });
  private readonly client: ApiClient;
  private readonly watched: Record<string, Watched>;
  private readonly unsubscribe = new Map<string, () => void>();
  private readonly customResources?: CustomResourceInformers;
  /** Custom kinds whose CRD went: no object of theirs exists, so their dependents are orphans. */
  private readonly retired = new Set<string>();
  /** uid -> item ("plural|key") of every watched object. */
  private readonly byUid = new Map<string, string>();
  /** owner uid -> items that reference it. */
  private readonly dependents = new Map<string, Set<string>>();

  /** `watch`: more resources to follow, by plural, with their (started elsewhere) informers;
   *  `customResources`: the informers of custom resources, followed as their CRDs come and go. */
  constructor(opts: {
    client: ApiClient;
    informers: SharedInformers;
    watch?: Record<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }>;
    customResources?: CustomResourceInformers;
  }) {
    this.client = opts.client;
    this.watched = {};
    const builtIn: Record<string, { informer: unknown; res: ResourceRef }> = {
      pods: { informer: opts.informers.pods(), res: resources.pods },
      replicasets: { informer: opts.informers.replicaSets(), res: resources.replicasets },
      deployments: { informer: opts.informers.deployments(), res: resources.deployments },
      services: { informer: opts.informers.services(), res: resources.services },
      // Owners too: a custom resource (or anything) may be owned by a ConfigMap.
      configmaps: { informer: opts.informers.configMaps(), res: resources.configmaps },
      ...opts.watch,
    };
    for (const [plural, w] of Object.entries(builtIn)) this.follow(plural, w as Watched);
    this.customResources = opts.customResources;
    opts.customResources?.listen({
      added: (key, informer, res) => {
        this.retired.delete(`${res.group}/${res.kind}`);
        this.follow(key, { informer: informer as Informer<Obj>, res });
      },
      removed: (key) => this.unfollow(key),
    });
  }

  /** Starts following one resource's informer (its cached objects come as adds). */
  private follow(plural: string, w: Watched): void {
    this.watched[plural] = w;
    this.unsubscribe.set(plural, w.informer.addEventHandler({
      onAdd: (o) => this.seen(plural, o),
      onUpdate: (old, o) => {
        this.unlink(plural, old);
        this.seen(plural, o, old);
      },
      onDelete: (o) => this.gone(plural, o),
    }));
  }

  /** A CRD went: its objects are gone (whether or not their deletes were seen), and so is the kind. */
  private unfollow(plural: string): void {
    const w = this.watched[plural];
    if (!w) return;
    this.unsubscribe.get(plural)?.();
    this.unsubscribe.delete(plural);
    this.retired.add(`${w.res.group}/${w.res.kind}`);
    for (const obj of w.informer.list()) this.gone(plural, obj);
    delete this.watched[plural];
  }

  private resourceForKind(apiVersion: string, kind: string): ResourceRef | undefined {
    return kinds[`${apiVersion}/${kind}`] ?? this.customResources?.refForKind(apiVersion, kind);
  }

  /** Runs the workers (4 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "garbagecollector", queue: this.queue, workers: opts.workers ?? 4, logger: opts.logger, metrics: opts.metrics, signal, sync: (item) => this.sync(item) });
  }

  async sync(item: string): Promise<Result | void> {
    const sep = item.indexOf("|");
    const w = this.watched[item.slice(0, sep)];
    const obj = w?.informer.get(item.slice(sep + 1));
    if (!w || !obj) return;
    const { deletionTimestamp, finalizers = [] } = obj.metadata;
    if (deletionTimestamp && finalizers.includes(ORPHAN_FINALIZER)) return this.orphanDependents(w.res, obj);
    if (deletionTimestamp && finalizers.includes(FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(w.res, obj);
    return this.collectIfOwnersGone(w.res, obj);
  }

  /** Orphan propagation: take the owner's references off its dependents, then let the owner go. */
  private async orphanDependents(res: ResourceRef, owner: Obj): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const dep of this.dependentObjects(uid)) await release(this.client, dep.res, dep.obj, uid).catch(ignoreNotFoundOrConflict);
    await this.removeFinalizer(res, owner, ORPHAN_FINALIZER);
  }

  /** Foreground propagation: delete the dependents (foreground too); the owner goes once none is left. */
  private async deleteDependentsFirst(res: ResourceRef, owner: Obj): Promise<Result | void> {
    const deps = this.dependentObjects(owner.metadata.uid!);
    if (deps.length === 0) return this.removeFinalizer(res, owner, FOREGROUND_FINALIZER);
    for (const { res: depRes, obj: dep } of deps) {
      if (dep.metadata.deletionTimestamp) continue;
      const opts = { propagationPolicy: "Foreground" as const, preconditions: { uid: dep.metadata.uid } };
      await this.client.delete(depRes, dep.metadata.namespace, dep.metadata.name!, opts).catch(ignoreNotFoundOrConflict);
    }
    return { requeueAfter: 2000 };
  }

  /** Background collection: a dependent whose owners are all gone is deleted; one gone of several is dropped from its references. */
  private async collectIfOwnersGone(res: ResourceRef, obj: Obj): Promise<void> {
    const meta = obj.metadata;
    const refs = meta.ownerReferences ?? [];
    if (refs.length === 0) return;
    const absent: OwnerReference[] = [];
    for (const ref of refs) if (!(await this.ownerExists(ref, meta.namespace))) absent.push(ref);
    if (absent.length === 0) return;
    if (absent.length === refs.length) {
      if (meta.deletionTimestamp) return;
      const opts = { propagationPolicy: "Background" as const, preconditions: { uid: meta.uid } };
      await this.client.delete(res, meta.namespace, meta.name!, opts).catch(ignoreNotFoundOrConflict);
      return;
    }
    const keep = refs.filter((r) => !absent.includes(r));
    await this.client.patch(res, meta.namespace, meta.name!, { metadata: { resourceVersion: meta.resourceVersion, ownerReferences: keep } }, "merge").catch(ignoreNotFoundOrConflict);
  }

  private async ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    if (this.byUid.has(ref.uid)) return true;
    const res = this.resourceForKind(ref.apiVersion, ref.kind);
    // A kind we cannot look up: leave the dependent alone, unless its CRD is known to be gone.
    if (!res) return !this.retired.has(groupKind(ref.apiVersion, ref.kind));
    try {
      const owner = await this.client.get(res, res.namespaced ? namespace : undefined, ref.name);
      return owner.metadata?.uid === ref.uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private dependentObjects(uid: string): Array<{ res: ResourceRef; obj: Obj }> {
    const out: Array<{ res: ResourceRef; obj: Obj }> = [];
    for (const item of this.dependents.get(uid) ?? []) {
      const sep = item.indexOf("|");
      const w = this.watched[item.slice(0, sep)];
      const obj = w?.informer.get(item.slice(sep + 1));
      if (w && obj) out.push({ res: w.res, obj });
    }
    return out;
  }

  private async removeFinalizer(res: ResourceRef, obj: Obj, finalizer: string): Promise<void> {
    const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.client.patch(res, obj.metadata.namespace, obj.metadata.name!, { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: rest.length ? rest : null } }, "merge").catch(ignoreNotFoundOrConflict);
  }

  private seen(plural: string, obj: Obj, old?: Obj): void {
    const item = `${plural}|${keyOf(obj)}`;
    const meta = obj.metadata;
    if (meta.uid) this.byUid.set(meta.uid, item);
    for (const ref of meta.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(item);
    }
    const deleting = Boolean(meta.deletionTimestamp) && (meta.finalizers ?? []).some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
    const refsChanged = !old || JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(meta.ownerReferences ?? []);
    if (deleting || ((meta.ownerReferences?.length ?? 0) > 0 && refsChanged)) this.queue.add(item);
    // A dependent starting to go may let a foreground owner finish.
    if (old && !old.metadata.deletionTimestamp && meta.deletionTimestamp) this.enqueueWaitingOwners(obj);
  }

  private unlink(plural: string, obj: Obj): void {
    const item = `${plural}|${keyOf(obj)}`;
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(ref.uid);
      set?.delete(item);
      if (set?.size === 0) this.dependents.delete(ref.uid);
    }
  }

  private gone(plural: string, obj: Obj): void {
    this.unlink(plural, obj);
    const uid = obj.metadata.uid;
    if (uid) {
      this.byUid.delete(uid);
      for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep);
    }
    this.enqueueWaitingOwners(obj);
  }

  private enqueueWaitingOwners(obj: Obj): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.byUid.get(ref.uid);
      if (owner) this.queue.add(owner);
    }
  }
}
