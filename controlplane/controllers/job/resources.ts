// How the batch controllers address and cache Jobs and CronJobs (client/ has no batch informers
// yet): the resource refs and one informer each, indexed by namespace and owner.
import type { CronJob, Job } from "../../../api/batch";
import { indexByNamespace, indexByOwnerUid, Informer, stripManagedFields, type ApiClient, type IndexFunc, type ResourceRef } from "../../../client";

export const jobsResource: ResourceRef = { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true };
export const cronJobsResource: ResourceRef = { group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true };

export function newJobInformer(client: ApiClient): Informer<Job> {
  return new Informer<Job>({ client, resource: jobsResource, indexers: { namespace: indexByNamespace as IndexFunc<Job>, owner: indexByOwnerUid as IndexFunc<Job> }, pageSize: 1000, transform: stripManagedFields });
}

export function newCronJobInformer(client: ApiClient): Informer<CronJob> {
  return new Informer<CronJob>({ client, resource: cronJobsResource, indexers: { namespace: indexByNamespace as IndexFunc<CronJob> }, pageSize: 1000, transform: stripManagedFields });
}

/** A Job's Complete or Failed condition, if it has finished. */
export function finishedCondition(job: Job): "Complete" | "Failed" | undefined {
  const c = (job.status?.conditions ?? []).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  return c?.type as "Complete" | "Failed" | undefined;
}
