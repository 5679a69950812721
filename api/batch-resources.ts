// The served batch/v1 resources: jobs and cronjobs (both with a status subresource, in "all").
import { CronJob, Job } from "./batch";
import { defaultCronJob, defaultJob, validateCronJob, validateJob, validateJobUpdate } from "./batch-rules";
import { defineResource } from "./define";

export const jobs = defineResource<Job>({
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  namespaced: true,
  categories: ["all"],
  subresources: ["status"],
  schema: Job,
  defaults: defaultJob,
  validateObject: validateJob,
  validateUpdate: validateJobUpdate,
  // Kubernetes' one Job field selector: the succeeded count.
  fieldSelectors: { "status.successful": (o) => String((o as Job).status?.succeeded ?? 0) },
});

export const cronjobs = defineResource<CronJob>({
  group: "batch",
  version: "v1",
  kind: "CronJob",
  plural: "cronjobs",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  subresources: ["status"],
  schema: CronJob,
  defaults: defaultCronJob,
  validateObject: validateCronJob,
});
