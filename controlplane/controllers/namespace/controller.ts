// The namespace controller: a namespace being deleted (phase Terminating, finalizer "kubernetes"
// in spec.finalizers) has every object in it deleted; once nothing is left, the finalizer is
// removed through the namespace's finalize subresource and the API server removes it.
import type { Namespace } from "../../../api/core";
import * as resources from "../../../client/resources";
import { endpointslices, networkpolicies } from "../../../client/resources";
import { cronJobsResource, jobsResource } from "../job/resources";
import { ignoreNotFound, keyOf, runController, WorkQueue, type ApiClient, type Informer, type ResourceRef, type Result } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { customResourceRefs } from "../crd/resources";
import { ignoreNotFoundOrConflict } from "../errors";

export const NAMESPACE_FINALIZER = "kubernetes";

/** Namespaced resources emptied before a namespace goes (workloads first, events last). */
export const NAMESPACED_RESOURCES: ResourceRef[] = [
  cronJobsResource,
  jobsResource,
  resources.deployments,
  resources.replicasets,
  resources.pods,
  // After the pods: a claim goes once no pod uses it (pvc-protection), and its volume with it.
  resources.persistentvolumeclaims,
  resources.services,
  resources.endpoints,
  endpointslices,
  networkpolicies,
  resources.configmaps,
  resources.secrets,
  resources.leases,
  resources.gitrepositories,
  resources.serviceaccounts,
  resources.rolebindings,
  resources.roles,
  resources.events,
];

export class NamespaceController {
  readonly queue = new WorkQueue({ name: "namespace" });
  private readonly client: ApiClient;
  private readonly informer: Informer<Namespace>;

  constructor(opts: { client: ApiClient; informers: SharedInformers }) {
    this.client = opts.client;
    this.informer = opts.informers.namespaces();
    this.informer.addEventHandler({
      onAdd: (ns) => ns.metadata?.deletionTimestamp && this.queue.add(keyOf(ns)),
      onUpdate: (_o, ns) => ns.metadata?.deletionTimestamp && this.queue.add(keyOf(ns)),
    });
  }

  /** Runs the workers (2 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "namespace", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<Result | void> {
    const ns = this.informer.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;
    let remaining = 0;
    // Custom resources too: every established namespaced CRD's kind (a failed lookup skips them this round).
    const custom = await customResourceRefs(this.client, "Namespaced").catch(() => []);
    for (const res of [...NAMESPACED_RESOURCES, ...custom]) {
      const list = await this.client.listAll(res, name).catch(ignoreNotFound);
      if (!list) continue;
      for (const obj of list.items) {
        remaining++;
        if (obj.metadata?.deletionTimestamp) continue;
        await this.client.delete(res, name, obj.metadata!.name!, { propagationPolicy: "Background" }).catch(ignoreNotFoundOrConflict);
      }
    }
    if (remaining > 0) return { requeueAfter: 1000 };
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    await this.client.putSubresource(resources.namespaces, undefined, name, "finalize", { ...ns, spec: { ...ns.spec, finalizers } }).catch(ignoreNotFound);
  }
}
