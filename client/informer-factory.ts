// Shared informers: one list+watch per resource for all controllers and the scheduler in a
// process (the pod cache is the big one), with the indexes they look things up by. Every cached
// object is kept once, frozen (indexer.ts), without its managedFields (stripManagedFields, as
// kube-controller-manager and kube-scheduler configure client-go's factory), its strings shared.
import type { Logger } from "pino";
import type { Deployment, ReplicaSet } from "../api/apps";
import type { DaemonSet } from "../api/apps-daemonset";
import type { StatefulSet } from "../api/apps-statefulset";
import type { ControllerRevision } from "../api/apps-controllerrevision";
import type { Lease } from "../api/coordination";
import type { ConfigMap, Endpoints, Namespace, Node, Pod, Service } from "../api/core";
import type { ServiceAccount } from "../api/serviceaccount";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/corev1/persistentvolume";
import type { StorageClass } from "../api/storage";
import type { HorizontalPodAutoscaler } from "../api/autoscaling";
import { indexByNamespace, indexByNodeName, indexByOwnerUid, type IndexFunc } from "./indexer";
import { Informer, waitForCacheSync } from "./informer";
import { cacheTransform, type ObjectTransform } from "./reflector";
import type { ApiClient } from "./rest";
import * as resources from "./resources";
import type { ResourceRef } from "./resources";
import type { ObjectWithMeta } from "./types";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export interface SharedInformersOptions {
  /**
   * For unit tests: the objects each informer starts with (it is then synced without a server).
   * fakeInformers(fake) in fake.ts seeds them from a FakeClient's objects.
   */
  seed?: (resource: ResourceRef, namespace?: string) => ObjectWithMeta[];
  /** What every object goes through before it is cached (default cacheTransform). */
  transform?: ObjectTransform;
}

export class SharedInformers {
  private readonly informers = new Map<string, Informer<ObjectWithMeta>>();
  private startedWith?: AbortSignal;

  constructor(
    private readonly client: ApiClient,
    private readonly logger?: Logger,
    private readonly opts: SharedInformersOptions = {},
  ) {}

  pods(): Informer<Pod> {
    return this.get<Pod>(resources.pods, {
      namespace: indexByNamespace as IndexFunc<Pod>,
      nodeName: indexByNodeName as IndexFunc<Pod>,
      owner: indexByOwnerUid as IndexFunc<Pod>,
    });
  }

  replicaSets(): Informer<ReplicaSet> {
    return this.get<ReplicaSet>(resources.replicasets, {
      namespace: indexByNamespace as IndexFunc<ReplicaSet>,
      owner: indexByOwnerUid as IndexFunc<ReplicaSet>,
    });
  }

  deployments(): Informer<Deployment> {
    return this.get<Deployment>(resources.deployments, { namespace: indexByNamespace as IndexFunc<Deployment> });
  }

  daemonSets(): Informer<DaemonSet> {
    return this.get<DaemonSet>(resources.daemonsets, { namespace: indexByNamespace as IndexFunc<DaemonSet> });
  }

  statefulSets(): Informer<StatefulSet> {
    return this.get<StatefulSet>(resources.statefulsets, { namespace: indexByNamespace as IndexFunc<StatefulSet> });
  }

  controllerRevisions(): Informer<ControllerRevision> {
    return this.get<ControllerRevision>(resources.controllerrevisions, {
      namespace: indexByNamespace as IndexFunc<ControllerRevision>,
      owner: indexByOwnerUid as IndexFunc<ControllerRevision>,
    });
  }

  horizontalPodAutoscalers(): Informer<HorizontalPodAutoscaler> {
    return this.get<HorizontalPodAutoscaler>(resources.horizontalpodautoscalers, { namespace: indexByNamespace as IndexFunc<HorizontalPodAutoscaler> });
  }

  nodes(): Informer<Node> {
    return this.get<Node>(resources.nodes, {});
  }

  nodeLeases(): Informer<Lease> {
    return this.get<Lease>(resources.leases, {}, NODE_LEASE_NAMESPACE);
  }

  services(): Informer<Service> {
    return this.get<Service>(resources.services, { namespace: indexByNamespace as IndexFunc<Service> });
  }

  endpoints(): Informer<Endpoints> {
    return this.get<Endpoints>(resources.endpoints, {});
  }

  persistentVolumes(): Informer<PersistentVolume> {
    return this.get<PersistentVolume>(resources.persistentvolumes, {});
  }

  persistentVolumeClaims(): Informer<PersistentVolumeClaim> {
    return this.get<PersistentVolumeClaim>(resources.persistentvolumeclaims, { namespace: indexByNamespace as IndexFunc<PersistentVolumeClaim> });
  }

  storageClasses(): Informer<StorageClass> {
    return this.get<StorageClass>(resources.storageclasses, {});
  }

  namespaces(): Informer<Namespace> {
    return this.get<Namespace>(resources.namespaces, {});
  }

  serviceAccounts(): Informer<ServiceAccount> {
    return this.get<ServiceAccount>(resources.serviceaccounts, { namespace: indexByNamespace as IndexFunc<ServiceAccount> });
  }

  configMaps(): Informer<ConfigMap> {
    return this.get<ConfigMap>(resources.configmaps, { namespace: indexByNamespace as IndexFunc<ConfigMap> });
  }

  /** Starts every informer asked for so far (and later ones as they are asked for). */
  start(signal: AbortSignal): void {
    this.startedWith = signal;
    for (const inf of this.informers.values()) this.startOne(inf, signal);
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...this.informers.values());
  }

  private readonly running = new WeakSet<object>();

  private startOne(inf: Informer<ObjectWithMeta>, signal: AbortSignal): void {
    if (this.running.has(inf)) return;
    this.running.add(inf);
    inf.start(signal);
  }

  private get<T extends ObjectWithMeta>(resource: ResourceRef, indexers: Record<string, IndexFunc<T>>, namespace?: string): Informer<T> {
    const name = `${resource.group ? `${resource.plural}.${resource.group}` : resource.plural}${namespace ? ` in ${namespace}` : ""}`;
    let inf = this.informers.get(name) as Informer<T> | undefined;
    if (!inf) {
      const transform = this.opts.transform ?? cacheTransform;
      inf = new Informer<T>({ client: this.client, resource, namespace, indexers, pageSize: 1000, logger: this.logger, transform });
      if (this.opts.seed) inf.seed(...(this.opts.seed(resource, namespace) as T[]));
      this.informers.set(name, inf as unknown as Informer<ObjectWithMeta>);
      if (this.startedWith) this.startOne(inf as unknown as Informer<ObjectWithMeta>, this.startedWith);
    }
    return inf;
  }
}
