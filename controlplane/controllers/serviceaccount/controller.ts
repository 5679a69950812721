// The ServiceAccounts controller (Kubernetes' pkg/controller/serviceaccount/serviceaccounts_
// controller.go): every active namespace has a ServiceAccount "default", the one pods run as when
// they name none. A namespace's key is queued when it appears and when its "default" is deleted;
// sync creates the account if the cache does not have it.
import type { Namespace } from "../../../api/core";
import type { ServiceAccount } from "../../../api/serviceaccount";
import { isAlreadyExists, runController, serviceaccounts, WorkQueue, type ApiClient, type Informer } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";

export const DEFAULT_SERVICE_ACCOUNT = "default";

export class ServiceAccountsController {
  readonly queue = new WorkQueue({ name: "serviceaccount" });
  private readonly client: ApiClient;
  private readonly namespaces: Informer<Namespace>;
  private readonly accounts: Informer<ServiceAccount>;

  constructor(opts: { client: ApiClient; informers: SharedInformers }) {
    this.client = opts.client;
    this.namespaces = opts.informers.namespaces();
    this.accounts = opts.informers.serviceAccounts();
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata.name!),
      onUpdate: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    this.accounts.addEventHandler({
      onDelete: (sa) => sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace && this.queue.add(sa.metadata.namespace),
    });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "serviceaccount", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!ns || !isActive(ns)) return;
    if (this.accounts.get(`${namespace}/${DEFAULT_SERVICE_ACCOUNT}`)) return;
    const sa: ServiceAccount = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
    try {
      await this.client.create(serviceaccounts, namespace, sa);
    } catch (e) {
      // Already there (the cache was behind): done. A namespace that started terminating refuses
      // the create; its next update (or deletion) settles it.
      if (!isAlreadyExists(e)) throw e;
    }
  }
}

/** Not being deleted: a terminating namespace gets nothing new. */
export function isActive(ns: Namespace): boolean {
  return !ns.metadata.deletionTimestamp && ns.status?.phase !== "Terminating";
}
