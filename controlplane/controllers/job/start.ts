// The batch controllers' wiring for the controller manager: one Job cache and one CronJob cache
// (client/ has no batch informers yet) shared by the Job, CronJob and TTL-after-finished
// controllers and the garbage collector, started and synced with the shared informers.
import type { CronJob, Job } from "../../../api/batch";
import type { ApiClient, EventRecorder, Informer, ObjectWithMeta, ResourceRef } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { CronJobController } from "../cronjob/controller";
import { JobController } from "./controller";
import { cronJobsResource, jobsResource, newCronJobInformer, newJobInformer } from "./resources";
import { TTLAfterFinishedController } from "./ttl";

export interface BatchWiring {
  client: ApiClient;
  informers: SharedInformers;
  signal: AbortSignal;
  enabled(name: "job" | "cronjob" | "ttl-after-finished" | "garbagecollector"): boolean;
  recorder(component: string): EventRecorder;
  runOpts(name: string): ControllerRunOptions;
  /** Where the controller manager collects what to start once the caches are synced. */
  starters: Array<() => void>;
  runs: Array<Promise<void>>;
}

export interface BatchControllers {
  /** The Job and CronJob caches for the garbage collector's `watch`. */
  gcWatch: Record<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }>;
  start(signal: AbortSignal): void;
  waitForSync(signal: AbortSignal): Promise<void>;
}

export function newBatchControllers(w: BatchWiring): BatchControllers {
  const any = w.enabled("job") || w.enabled("cronjob") || w.enabled("ttl-after-finished") || w.enabled("garbagecollector");
  const jobInformer: Informer<Job> | undefined = any ? newJobInformer(w.client) : undefined;
  const cronJobInformer: Informer<CronJob> | undefined = w.enabled("cronjob") || w.enabled("garbagecollector") ? newCronJobInformer(w.client) : undefined;
  const run = (name: string, c: { run(signal: AbortSignal, o: ControllerRunOptions): Promise<void> }) => w.starters.push(() => w.runs.push(c.run(w.signal, w.runOpts(name))));
  if (jobInformer && w.enabled("job")) run("job", new JobController({ client: w.client, informers: w.informers, jobInformer, recorder: w.recorder("job-controller") }));
  if (jobInformer && cronJobInformer && w.enabled("cronjob")) run("cronjob", new CronJobController({ client: w.client, jobInformer, cronJobInformer, recorder: w.recorder("cronjob-controller") }));
  if (jobInformer && w.enabled("ttl-after-finished")) run("ttl-after-finished", new TTLAfterFinishedController({ client: w.client, jobInformer }));
  const gcWatch: BatchControllers["gcWatch"] = {};
  if (jobInformer) gcWatch.jobs = { informer: jobInformer as unknown as Informer<ObjectWithMeta>, res: jobsResource };
  if (cronJobInformer) gcWatch.cronjobs = { informer: cronJobInformer as unknown as Informer<ObjectWithMeta>, res: cronJobsResource };
  return {
    gcWatch,
    start(signal) {
      jobInformer?.start(signal);
      cronJobInformer?.start(signal);
    },
    async waitForSync(signal) {
      await jobInformer?.waitForSync(signal);
      await cronJobInformer?.waitForSync(signal);
    },
  };
}
