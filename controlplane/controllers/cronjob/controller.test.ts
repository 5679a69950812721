import { describe, expect, it } from "vitest";
import type { CronJob, Job } from "../../../api/batch";
import { rfc3339 } from "../../../api/time";
import type { EventRecorder } from "../../../client";
import { controllerRefTo } from "../owner";
import { T0 } from "../testing";
import { batchFixture, newCronJob, newJob } from "../job/testing";
import { CronJobController } from "./controller";

function setup(objects: Array<Job | CronJob>) {
  const f = batchFixture(objects);
  const events: string[] = [];
  const recorder = { event: (_o: unknown, _t: string, reason: string, msg: string) => events.push(`${reason}: ${msg}`) } as unknown as EventRecorder;
  const controller = new CronJobController({ client: f.client, jobInformer: f.jobInformer, cronJobInformer: f.cronJobInformer, clock: f.clock, recorder });
  return { ...f, controller, events };
}
type F = ReturnType<typeof setup>;
const createdJobs = (f: F) => f.client.creates("jobs").map((a) => a.object as Job);
const lastStatus = (f: F) => (f.client.statusWrites("cronjobs").at(-1)?.object as CronJob | undefined)?.status;
const minutes = (ms: number) => Math.floor(ms / 60_000);

/** A Job the CronJob created for a scheduled time, running or finished. */
function ownedJob(cj: CronJob, at: number, finished?: "Complete" | "Failed"): Job {
  const job = newJob(`${cj.metadata.name}-${minutes(at)}`, {}, { created: at });
  job.metadata.ownerReferences = [controllerRefTo({ apiVersion: "batch/v1", kind: "CronJob", metadata: cj.metadata })];
  job.status = { startTime: rfc3339(at), ...(finished ? { conditions: [{ type: finished, status: "True" }], ...(finished === "Complete" ? { completionTime: rfc3339(at + 5000) } : {}) } : {}) };
  return job;
}

describe("CronJob controller sync", () => {
  it("does nothing before the first scheduled time and comes back just after it", async () => {
    const f = setup([newCronJob("tick", { schedule: "*/5 * * * *" })]);
    f.clock.advance(60_000);
    expect(await f.controller.sync("default/tick")).toEqual({ requeueAfter: 4 * 60_000 + 100 });
    expect(createdJobs(f)).toEqual([]);
  });

  it("creates the Job of each scheduled minute, named by minutes since the epoch, owned, from the template", async () => {
    const cj = newCronJob("tick", { jobTemplate: { metadata: { labels: { team: "a" } }, spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "kubelab/busybox:1.36" }] } } } } });
    const f = setup([cj]);
    f.clock.advance(61_000);

    expect(await f.controller.sync("default/tick")).toEqual({ requeueAfter: 59_000 + 100 });
    const [job] = createdJobs(f);
    expect(job!.metadata.name).toBe(`tick-${minutes(T0) + 1}`);
    expect(job!.metadata.labels).toEqual({ team: "a" });
    expect(job!.metadata.annotations).toEqual({ "batch.kubernetes.io/cronjob-scheduled-timestamp": "2026-01-01T00:01:00Z" });
    expect(job!.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "CronJob", name: "tick", uid: "uid-tick", controller: true, blockOwnerDeletion: true }]);
    expect(lastStatus(f)).toMatchObject({ lastScheduleTime: "2026-01-01T00:01:00Z", active: [{ kind: "Job", name: `tick-${minutes(T0) + 1}` }] });

    // The next minute, with the first one's Job in the cache and status: another Job.
    const g = setup([{ ...cj, status: lastStatus(f) }, ownedJob(cj, T0 + 60_000)]);
    g.clock.advance(121_000);
    await g.controller.sync("default/tick");
    expect(createdJobs(g).map((j) => j.metadata.name)).toEqual([`tick-${minutes(T0) + 2}`]);
    expect(lastStatus(g)?.active).toHaveLength(2);
  });

  it("with Forbid skips a run while the last one is active; with Replace deletes it and starts the new one", async () => {
    for (const policy of ["Forbid", "Replace"] as const) {
      const cj = newCronJob("tick", { concurrencyPolicy: policy });
      const running = ownedJob(cj, T0 + 60_000);
      cj.status = { lastScheduleTime: rfc3339(T0 + 60_000), active: [{ kind: "Job", apiVersion: "batch/v1", namespace: "default", name: running.metadata.name, uid: running.metadata.uid }] };
      const f = setup([cj, running]);
      f.clock.advance(121_000);
      await f.controller.sync("default/tick");
      if (policy === "Forbid") {
        expect(createdJobs(f)).toEqual([]);
        expect(f.events).toContain("JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid");
        expect(f.client.deleted).toEqual([]);
      } else {
        expect(f.client.deleted.map((d) => [d.name, d.options.propagationPolicy])).toEqual([[running.metadata.name, "Background"]]);
        expect(createdJobs(f).map((j) => j.metadata.name)).toEqual([`tick-${minutes(T0) + 2}`]);
        expect(lastStatus(f)?.active?.map((r) => r.name)).toEqual([`tick-${minutes(T0) + 2}`]);
      }
    }
  });

  it("after a control-plane outage runs only the most recent missed time, and warns beyond 100 missed", async () => {
    const cj = newCronJob("tick");
    cj.status = { lastScheduleTime: rfc3339(T0) };
    const f = setup([cj]);
    f.clock.advance(3 * 60 * 60_000 + 30_000); // 180 scheduled minutes missed

    await f.controller.sync("default/tick");

    expect(createdJobs(f).map((j) => j.metadata.name)).toEqual([`tick-${minutes(T0) + 180}`]);
    expect(f.events).toContain("TooManyMissedTimes: too many missed start times: 101. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
  });

  it("skips a scheduled time that is past startingDeadlineSeconds", async () => {
    const cj = newCronJob("tick", { schedule: "0 * * * *", startingDeadlineSeconds: 30 });
    const f = setup([cj]);
    f.clock.advance(60 * 60_000 + 45_000); // 00:01:00:45, 45 s after the 01:00 run

    const result = await f.controller.sync("default/tick");

    expect(createdJobs(f)).toEqual([]);
    expect(result).toEqual({ requeueAfter: 60 * 60_000 - 45_000 + 100 });
    expect(f.events).toEqual([]);

    const g = setup([newCronJob("tick", { schedule: "0 * * * *", startingDeadlineSeconds: 60 })]);
    g.clock.advance(60 * 60_000 + 45_000);
    await g.controller.sync("default/tick");
    expect(createdJobs(g)).toHaveLength(1);
  });

  it("deletes the oldest finished Jobs beyond the history limits and records the last success", async () => {
    const cj = newCronJob("tick", { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1, suspend: true });
    const jobs = [ownedJob(cj, T0 + 60_000, "Complete"), ownedJob(cj, T0 + 120_000, "Complete"), ownedJob(cj, T0 + 180_000, "Complete"), ownedJob(cj, T0 + 240_000, "Failed"), ownedJob(cj, T0 + 300_000, "Failed")];
    const f = setup([cj, ...jobs]);
    f.clock.advance(10 * 60_000);

    await f.controller.sync("default/tick");

    expect(f.client.deleted.map((d) => d.name).sort()).toEqual([jobs[0]!.metadata.name, jobs[3]!.metadata.name].sort());
    expect(lastStatus(f)?.lastSuccessfulTime).toBe(rfc3339(T0 + 185_000));
    // Suspended: nothing started.
    expect(createdJobs(f)).toEqual([]);
  });

  it("schedules in the CronJob's time zone", async () => {
    // 09:00 in Tokyo is 00:00 UTC.
    const cj = newCronJob("tz", { schedule: "0 9 * * *", timeZone: "Asia/Tokyo" }, T0 - 60_000);
    const f = setup([cj]);
    f.clock.advance(10_000);
    await f.controller.sync("default/tz");
    expect(createdJobs(f).map((j) => j.metadata.name)).toEqual([`tz-${minutes(T0)}`]);
    expect(lastStatus(f)?.lastScheduleTime).toBe("2026-01-01T00:00:00Z");
  });
});
