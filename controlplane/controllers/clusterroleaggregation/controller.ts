// The ClusterRole aggregation controller (Kubernetes' pkg/controller/clusterroleaggregation): a
// ClusterRole with an aggregationRule holds the rules of every other ClusterRole its selectors
// match. Any ClusterRole's change may change what an aggregated one should hold, so every change
// enqueues every aggregated role; the sync writes the rules only when they differ.
import { aggregatedRules, sameRules, type ClusterRole } from "../../../api/rbac";
import { Informer, isConflict, stripManagedFields, isNotFound, runController, WorkQueue, type ApiClient, type ObjectWithMeta, type ResourceRef } from "../../../client";
import type { ControllerRunOptions } from "../run-options";

export const clusterRolesResource: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false };

type CachedRole = ClusterRole & ObjectWithMeta;

export class ClusterRoleAggregationController {
  readonly queue = new WorkQueue({ name: "clusterrole-aggregation" });
  readonly roles: Informer<CachedRole>;
  private readonly client: ApiClient;

  constructor(opts: { client: ApiClient; roles?: Informer<CachedRole> }) {
    this.client = opts.client;
    this.roles = opts.roles ?? new Informer<CachedRole>({ client: opts.client, resource: clusterRolesResource, pageSize: 500, transform: stripManagedFields });
    const enqueueAggregated = () => {
      for (const r of this.roles.list()) if (r.aggregationRule) this.queue.add(r.metadata.name!);
    };
    this.roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
  }

  /** Starts its ClusterRole informer, waits for the first list, then runs the workers. */
  async run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    this.roles.start(signal);
    if (!(await this.roles.waitForSync(signal))) return;
    return runController({ name: "clusterrole-aggregation", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<void> {
    const role = this.roles.get(name);
    if (!role) return;
    const rules = aggregatedRules(role, this.roles.list());
    if (!rules || sameRules(rules, role.rules)) return;
    const next = { ...structuredClone(role), rules };
    try {
      await this.client.update(clusterRolesResource, undefined, next);
    } catch (e) {
      // Changed or gone meanwhile: the watch brings the event that requeues it.
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }
}
