import { describe, expect, it } from "vitest";
import type { CronJob, Job } from "./batch";
import { cronjobs, jobs } from "./batch-resources";
import { parseSchedule } from "./batch-schedule";
import { batchPrinters } from "./printing/batch";

const podTemplate = (restartPolicy?: string) => ({ spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: "c", image: "kubelab/busybox:1.36" }] } });
const job = (spec: Record<string, unknown> = {}, restartPolicy: string | undefined = "Never") => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: "default", uid: "u-1" }, spec: { template: podTemplate(restartPolicy), ...spec } });
const cronJob = (spec: Record<string, unknown> = {}) => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "tick", namespace: "default" },
  spec: { schedule: "*/1 * * * *", jobTemplate: { spec: { template: podTemplate("OnFailure") } }, ...spec },
});
const fields = (r: { errors: Array<{ field?: string; message: string }> }) => r.errors.map((e) => `${e.field}: ${e.message}`);

describe("batch/v1 Job", () => {
  it("gets Kubernetes 1.32's defaults, the job-name and controller-uid labels and a selector on the uid", () => {
    const r = jobs.validate(job(), "Strict");
    expect(fields(r)).toEqual([]);
    const j = r.object as Job;
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" });
    expect(j.spec.manualSelector).toBeUndefined();
    expect(j.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } });
    expect(j.spec.template.metadata?.labels).toEqual({ "batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1", "job-name": "pi" });
    expect(j.spec.template.spec?.terminationGracePeriodSeconds).toBe(30);
  });

  it("keeps completions unset when only parallelism is given, and defaults podReplacementPolicy to Failed with a podFailurePolicy", () => {
    const j = jobs.validate(job({ parallelism: 3, podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } }), "Strict").object as Job;
    expect(j.spec.completions).toBeUndefined();
    expect(j.spec.podReplacementPolicy).toBe("Failed");
    expect(j.spec.podFailurePolicy?.rules[0]?.onPodConditions?.[0]?.status).toBe("True");
  });

  it("refuses restartPolicy Always (the pod default) with Kubernetes' message", () => {
    expect(fields(jobs.validate(job({}, ""), "Strict"))).toEqual(['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  });

  it("rejects bad values with their field paths", () => {
    const r = jobs.validate(job({ completionMode: "Sometimes", backoffLimit: -1, activeDeadlineSeconds: 0, podFailurePolicy: { rules: [{ action: "Explode", onExitCodes: { operator: "In", values: [0] } }] } }, "OnFailure"), "Strict");
    expect(r.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(["spec.backoffLimit", "spec.activeDeadlineSeconds", "spec.completionMode", "spec.template.spec.restartPolicy", "spec.podFailurePolicy.rules[0].action", "spec.podFailurePolicy.rules[0].onExitCodes.values[0]"]),
    );
    expect(fields(jobs.validate(job({ completionMode: "Indexed", parallelism: 2 }), "Strict"))).toEqual(["spec.completions: Required value: when completion mode is Indexed"]);
  });

  it("makes the template and selector immutable", () => {
    const old = jobs.validate(job(), "Strict").object as Job;
    const next = structuredClone(old);
    next.spec.template.spec!.containers[0]!.image = "kubelab/busybox:2";
    expect(jobs.validateUpdate(next, old).map((e) => e.field)).toEqual(["spec.template"]);
    next.spec.template = old.spec.template;
    next.spec.parallelism = 5;
    expect(jobs.validateUpdate(next, old)).toEqual([]);
  });

  it("prints STATUS, COMPLETIONS and DURATION as kubectl get jobs shows them", () => {
    const j = jobs.validate(job({ completions: 3 }), "Strict").object as Job;
    j.metadata.creationTimestamp = "2026-01-01T00:00:00Z";
    j.status = { startTime: "2026-01-01T00:00:00Z", succeeded: 1 };
    const now = new Date("2026-01-01T00:00:42Z");
    expect(batchPrinters.jobs!.cells(j, now).slice(0, 5)).toEqual(["pi", "Running", "1/3", "42s", "42s"]);
    j.status = { ...j.status, succeeded: 3, completionTime: "2026-01-01T00:00:12Z", conditions: [{ type: "Complete", status: "True" }] };
    expect(batchPrinters.jobs!.cells(j, now).slice(0, 4)).toEqual(["pi", "Complete", "3/3", "12s"]);
    expect(batchPrinters.jobs!.columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(["Name", "Status", "Completions", "Duration", "Age"]);
  });
});

describe("batch/v1 CronJob", () => {
  it("gets the defaults and validates", () => {
    const r = cronjobs.validate(cronJob(), "Strict");
    expect(fields(r)).toEqual([]);
    expect((r.object as CronJob).spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it("rejects a bad schedule, time zone and concurrency policy with the field", () => {
    const r = cronjobs.validate(cronJob({ schedule: "61 * * * *", timeZone: "Mars/Olympus", concurrencyPolicy: "Sometimes" }), "Strict");
    expect(r.errors.map((e) => e.field)).toEqual(["spec.schedule", "spec.timeZone", "spec.concurrencyPolicy"]);
    expect(r.errors[1]!.message).toBe('Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
    expect(fields(cronjobs.validate(cronJob({ schedule: "TZ=UTC 0 * * * *" }), "Strict"))).toEqual(['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    expect(cronjobs.validate(cronJob({ schedule: "* * * * * *" }), "Strict").errors.map((e) => e.field)).toEqual(["spec.schedule"]);
    const noPolicy = cronjobs.validate({ ...cronJob(), spec: { ...cronJob().spec, jobTemplate: { spec: { template: podTemplate() } } } }, "Strict");
    expect(fields(noPolicy)).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  });

  it("computes next times in the time zone, @descriptors included", () => {
    const berlin = parseSchedule("0 9 * * *", "Europe/Berlin");
    if (typeof berlin === "string") throw new Error(berlin);
    expect(new Date(berlin.next(Date.parse("2026-01-01T00:05:00Z"))!).toISOString()).toBe("2026-01-01T08:00:00.000Z");
    const hourly = parseSchedule("@hourly");
    if (typeof hourly === "string") throw new Error(hourly);
    expect(new Date(hourly.next(Date.parse("2026-01-01T00:00:00Z"))!).toISOString()).toBe("2026-01-01T01:00:00.000Z");
  });

  it("prints SCHEDULE, TIMEZONE, SUSPEND, ACTIVE and LAST SCHEDULE", () => {
    const cj = cronjobs.validate(cronJob({ timeZone: "Etc/UTC" }), "Strict").object as CronJob;
    cj.metadata.creationTimestamp = "2026-01-01T00:00:00Z";
    const now = new Date("2026-01-01T00:02:00Z");
    expect(batchPrinters.cronjobs!.cells(cj, now).slice(0, 7)).toEqual(["tick", "*/1 * * * *", "Etc/UTC", "False", 0, "<none>", "2m"]);
  });
});
