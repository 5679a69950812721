import { describe, expect, it } from "vitest";
import type { Job } from "../../../api/batch";
import type { Pod } from "../../../api/core";
import { T0 } from "../testing";
import { JobController } from "./controller";
import { batchFixture, jobPod, newJob } from "./testing";

function setup(objects: Array<Job | Pod>, backoffBaseMs = 1000) {
  const f = batchFixture(objects);
  const controller = new JobController({ client: f.client, informers: f.informers, jobInformer: f.jobInformer, clock: f.clock, backoffBaseMs });
  return { ...f, controller };
}

type F = ReturnType<typeof setup>;
const createdPods = (f: F) => f.client.creates("pods").map((a) => a.object as Pod);
const lastStatus = (f: F) => (f.client.statusWrites("jobs").at(-1)?.object as Job | undefined)?.status;
const condition = (f: F, type: string) => lastStatus(f)?.conditions?.find((c) => c.type === type);

describe("Job controller sync", () => {
  it("creates pods up to parallelism, owned by the Job with its labels, and records the start time", async () => {
    const job = newJob("pi", { completions: 5, parallelism: 2 });
    const f = setup([job]);

    await f.controller.sync("default/pi");

    const pods = createdPods(f);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.generateName).toBe("pi-");
      expect(p.metadata.labels).toMatchObject({ "batch.kubernetes.io/job-name": "pi", "batch.kubernetes.io/controller-uid": "uid-pi" });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "uid-pi", controller: true, blockOwnerDeletion: true }]);
      expect(p.spec.restartPolicy).toBe("Never");
    }
    expect(lastStatus(f)).toMatchObject({ startTime: "2026-01-01T00:00:00Z", active: 0, succeeded: 0, failed: 0 });
    // The cache has not seen them yet: no second batch.
    f.client.clearActions();
    await f.controller.sync("default/pi");
    expect(createdPods(f)).toHaveLength(0);
  });

  it("creates only what the remaining completions need", async () => {
    const job = newJob("pi", { completions: 3, parallelism: 2 });
    const f = setup([job, jobPod(job, "a", { phase: "Succeeded" }), jobPod(job, "b", { phase: "Succeeded" })]);

    await f.controller.sync("default/pi");

    expect(createdPods(f)).toHaveLength(1);
    expect(lastStatus(f)).toMatchObject({ succeeded: 2, active: 0 });
  });

  it("completes after the completions succeeded: SuccessCriteriaMet and Complete, completionTime, an event", async () => {
    const job = newJob("pi", { completions: 2, parallelism: 2 });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const f = setup([job, jobPod(job, "a", { phase: "Succeeded" }), jobPod(job, "b", { phase: "Succeeded" })]);
    f.clock.advance(30_000);

    await f.controller.sync("default/pi");

    expect(createdPods(f)).toHaveLength(0);
    expect(condition(f, "SuccessCriteriaMet")).toMatchObject({ status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" });
    expect(condition(f, "Complete")).toMatchObject({ status: "True", reason: "CompletionsReached" });
    expect(lastStatus(f)).toMatchObject({ succeeded: 2, completionTime: "2026-01-01T00:00:30Z", active: 0 });
  });

  it("fails after more failures than backoffLimit with BackoffLimitExceeded, deleting what still runs first", async () => {
    const job = newJob("bad", { backoffLimit: 1, parallelism: 2, completions: 4 });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const f = setup([job, jobPod(job, "f1", { phase: "Failed" }), jobPod(job, "f2", { phase: "Failed" }), jobPod(job, "run", { phase: "Running" })]);

    await f.controller.sync("default/bad");

    expect(f.client.deleted.map((d) => d.name)).toEqual(["run"]);
    expect(condition(f, "FailureTarget")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(condition(f, "Failed")).toBeUndefined();
    expect(createdPods(f)).toHaveLength(0);

    // Once the running pod is gone, the Job is Failed with the same reason.
    const g = setup([{ ...job, status: lastStatus(f) }, jobPod(job, "f1", { phase: "Failed" }), jobPod(job, "f2", { phase: "Failed" })]);
    await g.controller.sync("default/bad");
    expect(condition(g, "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(lastStatus(g)?.completionTime).toBeUndefined();
    expect(lastStatus(g)?.failed).toBe(2);
  });

  it("waits the exponential backoff after a failure before the replacement pod", async () => {
    const job = newJob("retry", { backoffLimit: 6 });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const f = setup([job, jobPod(job, "f1", { phase: "Failed", finished: T0 }), jobPod(job, "f2", { phase: "Failed", finished: T0 })], 1000);

    // Two failures: 1 s, then 2 s.
    const result = await f.controller.sync("default/retry");
    expect(createdPods(f)).toHaveLength(0);
    expect(result).toEqual({ requeueAfter: 2000 });

    f.clock.advance(2000);
    await f.controller.sync("default/retry");
    expect(createdPods(f)).toHaveLength(1);
  });

  it("fails a Job active past activeDeadlineSeconds with DeadlineExceeded and comes back at the deadline before that", async () => {
    const job = newJob("slow", { activeDeadlineSeconds: 60 });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const f = setup([job, jobPod(job, "a", { phase: "Running" })]);

    f.clock.advance(20_000);
    expect(await f.controller.sync("default/slow")).toEqual({ requeueAfter: 40_000 });
    expect(f.client.deleted).toHaveLength(0);

    f.clock.advance(40_000);
    await f.controller.sync("default/slow");
    expect(f.client.deleted.map((d) => d.name)).toEqual(["a"]);
    expect(condition(f, "FailureTarget")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
  });

  it("fails at once on a podFailurePolicy FailJob rule and ignores failures an Ignore rule matches", async () => {
    const policy = { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }, { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] };
    const job = newJob("pfp", { backoffLimit: 0, podFailurePolicy: policy });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const ignored = setup([job, jobPod(job, "evicted", { phase: "Failed", conditions: [{ type: "DisruptionTarget", status: "True" }] })]);
    await ignored.controller.sync("default/pfp");
    expect(condition(ignored, "FailureTarget")).toBeUndefined();
    expect(createdPods(ignored)).toHaveLength(1);
    expect(lastStatus(ignored)?.failed).toBe(0);

    const f = setup([{ ...job, spec: { ...job.spec, backoffLimit: 6 } }, jobPod(job, "boom", { phase: "Failed", exitCode: 42 })]);
    await f.controller.sync("default/pfp");
    expect(condition(f, "Failed")).toMatchObject({ reason: "PodFailurePolicy", message: "Container main for pod default/boom failed with exit code 42 matching FailJob rule at index 0" });
  });

  it("deletes the active pods of a suspended Job and says so in the Suspended condition; resuming restarts the clock", async () => {
    const job = newJob("paused", { suspend: true, parallelism: 2, completions: 2 });
    job.status = { startTime: "2026-01-01T00:00:00Z" };
    const f = setup([job, jobPod(job, "a"), jobPod(job, "b")]);

    await f.controller.sync("default/paused");

    expect(f.client.deleted.map((d) => d.name).sort()).toEqual(["a", "b"]);
    expect(createdPods(f)).toHaveLength(0);
    expect(condition(f, "Suspended")).toMatchObject({ status: "True", reason: "JobSuspended", message: "Job suspended" });

    const resumed = { ...job, spec: { ...job.spec, suspend: false }, status: lastStatus(f) };
    const g = setup([resumed]);
    g.clock.advance(5_000);
    await g.controller.sync("default/paused");
    expect(createdPods(g)).toHaveLength(2);
    expect(condition(g, "Suspended")).toMatchObject({ status: "False", reason: "JobResumed" });
    expect(lastStatus(g)?.startTime).toBe("2026-01-01T00:00:05Z");
  });

  it("runs an Indexed Job's missing indexes, with the index annotation, label, hostname and env, and lists completed indexes", async () => {
    const job = newJob("idx", { completionMode: "Indexed", completions: 4, parallelism: 2 });
    const f = setup([job, jobPod(job, "idx-0", { phase: "Succeeded", index: 0 }), jobPod(job, "idx-2", { phase: "Running", index: 2 })]);

    await f.controller.sync("default/idx");

    const [pod, ...rest] = createdPods(f);
    expect(rest).toHaveLength(0);
    expect(pod!.metadata.generateName).toBe("idx-1-");
    expect(pod!.metadata.annotations).toEqual({ "batch.kubernetes.io/job-completion-index": "1" });
    expect(pod!.metadata.labels?.["batch.kubernetes.io/job-completion-index"]).toBe("1");
    expect(pod!.spec.hostname).toBe("idx-1");
    expect(pod!.spec.containers[0]!.env).toContainEqual({ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(lastStatus(f)).toMatchObject({ completedIndexes: "0", succeeded: 1, active: 1 });
  });

  it("reads only its own pods and its namespace's orphans: adopts a matching orphan, leaves another Job's pod and an orphan elsewhere", async () => {
    const job = newJob("mine", { completions: 2, parallelism: 2 });
    const other = newJob("other");
    const orphan = jobPod(job, "orphan");
    orphan.metadata.ownerReferences = [];
    const elsewhere = structuredClone(orphan);
    Object.assign(elsewhere.metadata, { name: "elsewhere", uid: "uid-elsewhere", namespace: "other-ns" });
    const f = setup([job, other, jobPod(job, "own"), orphan, elsewhere, jobPod(other, "theirs")]);
    await f.controller.sync("default/mine");
    expect(f.client.updates("pods").map((a) => a.name)).toEqual(["orphan"]);
    expect(createdPods(f)).toHaveLength(0);
    expect(lastStatus(f)).toMatchObject({ active: 2 });
  });

  it("leaves a finished Job alone", async () => {
    const job = newJob("done");
    job.status = { conditions: [{ type: "Complete", status: "True" }], succeeded: 1 };
    const f = setup([job, jobPod(job, "a", { phase: "Succeeded" })]);
    await f.controller.sync("default/done");
    expect(f.client.writes()).toEqual([]);
  });
});
