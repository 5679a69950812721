import { describe, expect, it } from "vitest";
import type { Informer, ObjectWithMeta } from "../../../client";
import { GarbageCollector } from "../garbagecollector/controller";
import { controllerRefTo } from "../owner";
import { T0 } from "../testing";
import { cronJobsResource, jobsResource } from "./resources";
import { batchFixture, jobPod, newCronJob, newJob } from "./testing";

describe("garbage collector and batch owners", () => {
  it("deletes the pods of a Job that is gone and the Jobs of a CronJob that is gone, and keeps those whose owner exists", async () => {
    const goneJob = newJob("gone");
    const liveJob = newJob("live");
    const goneCron = newCronJob("gone-cron");
    const orphanedJob = newJob(`gone-cron-${Math.floor(T0 / 60_000)}`);
    orphanedJob.metadata.ownerReferences = [controllerRefTo({ apiVersion: "batch/v1", kind: "CronJob", metadata: goneCron.metadata })];
    const f = batchFixture([liveJob, orphanedJob, jobPod(goneJob, "gone-pod", { phase: "Succeeded" }), jobPod(liveJob, "live-pod", { phase: "Succeeded" })]);
    const watch = {
      jobs: { informer: f.jobInformer as unknown as Informer<ObjectWithMeta>, res: jobsResource },
      cronjobs: { informer: f.cronJobInformer as unknown as Informer<ObjectWithMeta>, res: cronJobsResource },
    };
    const gc = new GarbageCollector({ client: f.client, informers: f.informers, watch });
    f.informers.pods();

    for (const item of ["pods|default/gone-pod", "pods|default/live-pod", `jobs|default/${orphanedJob.metadata.name}`]) await gc.sync(item);

    expect(f.client.deleted.map((d) => `${d.resource}/${d.name}`).sort()).toEqual([`jobs/${orphanedJob.metadata.name}`, "pods/gone-pod"]);
  });
});
