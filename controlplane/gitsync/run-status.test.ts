// The status decision is pure: from the status as it stands and what a run found, the next
// status, the events and whether to write. Tested without git or a server.
import { describe, expect, it } from "vitest";
import type { GitRepositoryStatus } from "../../api/gitops";
import type { ApplyResult } from "./apply";
import type { Health } from "./health";
import { decideStatus } from "./run-status";

const ctx = { generation: 3, started: Date.parse("2026-12-01T20:00:00Z"), now: Date.parse("2026-12-01T20:00:02Z") };
const healthy: Health = { status: "Healthy", reason: "Current", message: "all objects are healthy" };
const rev = "main@sha1:" + "a".repeat(40);
const applyResult = (over: Partial<ApplyResult> = {}): ApplyResult => ({ applied: new Map(), created: 1, configured: 0, unchanged: 2, errors: [], ...over });
const cond = (s: GitRepositoryStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe("git-sync status decision", () => {
  it("records a rejected revision once: the same failure again adds no history, no event and no write", () => {
    const errors = [{ file: "a.yaml", line: 3, reason: "Invalid", message: "spec.replicas: must be an integer" }];
    const first = decideStatus({}, { kind: "Invalid", revision: rev, errors }, ctx);
    expect(first.write).toBe(true);
    expect(first.status).toMatchObject({ lastAttemptedRevision: rev, observedGeneration: 3, lastSyncTime: "2026-12-01T20:00:02Z" });
    expect(cond(first.status, "Ready")).toMatchObject({ status: "False", reason: "ValidationFailed", message: `revision ${rev} not applied: a.yaml:3: spec.replicas: must be an integer` });
    expect(cond(first.status, "Stalled")?.message).toBe(`1 error in ${rev}; the cluster keeps nothing applied`);
    expect(first.status.history).toHaveLength(1);
    expect(first.events).toMatchObject([{ type: "Warning", reason: "ValidationFailed" }]);

    const again = decideStatus(first.status, { kind: "Invalid", revision: rev, errors }, { ...ctx, now: ctx.now + 30_000 });
    expect(again).toMatchObject({ write: false, events: [] });
    expect(again.status.history).toHaveLength(1);
  });

  it("stalls on a source failure that a retry cannot fix, and not on a timeout", () => {
    const refused = decideStatus({}, { kind: "SourceFailed", reason: "KnownHostsMissing", message: "refusing ssh" }, ctx);
    expect(cond(refused.status, "Stalled")?.status).toBe("True");
    expect(refused.events).toMatchObject([{ reason: "KnownHostsMissing" }]);
    const timeout = decideStatus({}, { kind: "SourceFailed", reason: "Timeout", message: "git timed out" }, ctx);
    expect(cond(timeout.status, "Stalled")?.status).toBe("False");
    // The same message again: no new history entry or event, and nothing worth writing.
    expect(decideStatus(timeout.status, { kind: "SourceFailed", reason: "Timeout", message: "git timed out" }, ctx)).toMatchObject({ write: false, events: [] });
  });

  it("writes the inventory checkpoint only when the run may create objects", () => {
    const current: GitRepositoryStatus = { inventory: [{ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }] };
    const grows = decideStatus(current, { kind: "Applying", revision: rev, inventory: [...current.inventory!, { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b" }], objects: 2 }, ctx);
    expect(grows.write).toBe(true);
    expect(cond(grows.status, "Reconciling")).toMatchObject({ status: "True", message: `applying ${rev}` });
    expect(decideStatus(current, { kind: "Applying", revision: rev, inventory: current.inventory!, objects: 1 }, ctx).write).toBe(false);
  });

  it("reports a blocked prune as not Ready while keeping the revision applied", () => {
    const prune = { deleted: [], kept: [], failed: [], blocked: "the revision has no objects; refusing to prune all 2 objects" };
    const d = decideStatus({}, { kind: "Applied", revision: rev, apply: applyResult({ created: 0 }), prune, inventory: [], health: healthy }, ctx);
    expect(d.status.lastAppliedRevision).toBe(rev);
    expect(cond(d.status, "Ready")).toMatchObject({ status: "False", reason: "PruneBlocked" });
    expect(cond(d.status, "PruneBlocked")?.status).toBe("True");
    expect(d.status.history?.[0]).toMatchObject({ result: "Blocked", durationMs: 2000 });
    expect(d.events.map((e) => e.reason)).toEqual(["Applied", "PruneBlocked"]);
  });

  it("keeps lastAppliedRevision and says which object failed when an apply fails", () => {
    const before: GitRepositoryStatus = { lastAppliedRevision: "main@sha1:" + "b".repeat(40) };
    const apply = applyResult({ errors: [{ file: "d.yaml", line: 1, kind: "Deployment", name: "web", reason: "Invalid", message: "bad image" }] });
    const d = decideStatus(before, { kind: "Applied", revision: rev, apply, prune: { deleted: [], kept: [], failed: [] }, inventory: [], health: healthy }, ctx);
    expect(d.status.lastAppliedRevision).toBe(before.lastAppliedRevision);
    expect(cond(d.status, "Ready")).toMatchObject({ status: "False", reason: "ApplyFailed", message: expect.stringContaining("d.yaml:1: bad image") });
    expect(d.events).toMatchObject([{ type: "Warning", reason: "ApplyFailed" }]);
  });

  it("reports drift once, and clears it when the objects match again", () => {
    const drifted = [{ object: { ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" } } as never, fields: ["data.v"] }];
    const current: GitRepositoryStatus = { lastAppliedRevision: rev };
    const first = decideStatus(current, { kind: "Rechecked", drifted, health: healthy }, ctx);
    expect(cond(first.status, "Drifted")).toMatchObject({ status: "True", message: `1 object differ from ${rev}: ConfigMap default/a: data.v` });
    expect(first.events).toMatchObject([{ reason: "DriftDetected" }]);
    expect(decideStatus(first.status, { kind: "Rechecked", drifted, health: healthy }, ctx)).toMatchObject({ write: false, events: [] });
    const cleared = decideStatus(first.status, { kind: "Rechecked", drifted: [], health: healthy }, ctx);
    expect(cond(cleared.status, "Drifted")).toMatchObject({ status: "False", reason: "NoDrift" });
    expect(cleared.write).toBe(true);
  });

  it("turns a rollout still waiting after spec.timeout into Degraded naming what it waits for, and back when it is healthy", () => {
    const waiting: Health = { status: "Progressing", reason: "LessReady", message: "Deployment default/web: ready 1/3" };
    const appliedAt = ctx.now - 90_000;
    const current: GitRepositoryStatus = {
      lastAppliedRevision: rev,
      history: [{ revision: rev, startedAt: new Date(appliedAt).toISOString(), durationMs: 500, result: "Succeeded" }],
    };
    const timeout = { healthTimeout: { ms: 60_000, text: "1m0s" } };
    const late = decideStatus(current, { kind: "Rechecked", drifted: [], health: waiting }, { ...ctx, ...timeout });
    expect(cond(late.status, "Healthy")).toMatchObject({ status: "False", reason: "HealthCheckTimeout", message: "timeout after 1m0s waiting for: Deployment default/web: ready 1/3" });
    expect(cond(late.status, "Ready")).toMatchObject({ status: "False", reason: "HealthCheckTimeout" });
    expect(cond(late.status, "Stalled")).toMatchObject({ status: "True", reason: "HealthCheckTimeout" });
    const early = decideStatus(current, { kind: "Rechecked", drifted: [], health: waiting }, { ...ctx, healthTimeout: { ms: 120_000, text: "2m0s" } });
    expect(cond(early.status, "Healthy")).toMatchObject({ status: "Unknown", reason: "Progressing" });
    expect(cond(early.status, "Reconciling")).toMatchObject({ status: "True", reason: "Progressing" });
    const recovered = decideStatus(late.status, { kind: "Rechecked", drifted: [], health: healthy }, { ...ctx, ...timeout });
    expect(cond(recovered.status, "Healthy")).toMatchObject({ status: "True", reason: "Healthy" });
    expect(cond(recovered.status, "Ready")).toMatchObject({ status: "True", reason: "ReconciliationSucceeded" });
  });

  // Issue 16: what each verdict of kstatus makes of Ready, Reconciling and Stalled (Flux's wait).
  const prune = { deleted: [], kept: [], failed: [] };
  const sts: Health = { status: "Progressing", reason: "LessReady", message: "StatefulSet default/db: ready 1/3" };
  const job: Health = { status: "Degraded", reason: "JobFailed", message: "Job default/migrate failed (BackoffLimitExceeded): Job has reached the specified backoff limit" };
  const cases: Array<[string, Health, Record<string, [string, string]>]> = [
    ["everything healthy", healthy, { Ready: ["True", "ReconciliationSucceeded"], Reconciling: ["False", "ReconciliationSucceeded"], Stalled: ["False", "ReconciliationSucceeded"], Healthy: ["True", "Healthy"] }],
    ["a StatefulSet still rolling out", sts, { Ready: ["Unknown", "Progressing"], Reconciling: ["True", "Progressing"], Stalled: ["False", "Progressing"], Healthy: ["Unknown", "Progressing"] }],
    ["a failed Job", job, { Ready: ["False", "HealthCheckFailed"], Reconciling: ["False", "HealthCheckFailed"], Stalled: ["True", "HealthCheckFailed"], Healthy: ["False", "Degraded"] }],
    ["a paused Deployment", { status: "Suspended", reason: "Paused", message: "Deployment default/web is paused" }, { Ready: ["True", "ReconciliationSucceeded"], Reconciling: ["False", "ReconciliationSucceeded"], Healthy: ["Unknown", "Suspended"] }],
  ];
  it.each(cases)("after an apply, %s sets the conditions as Flux's wait does", (_, health, want) => {
    const d = decideStatus({}, { kind: "Applied", revision: rev, apply: applyResult(), prune, inventory: [], health }, ctx);
    for (const [type, [status, reason]] of Object.entries(want)) expect(cond(d.status, type), type).toMatchObject({ status, reason });
    expect(d.status.lastAppliedRevision).toBe(rev);
  });

  it("names what it waits for while Reconciling, the failed Job when Degraded, and turns Ready once the rollout is done", () => {
    const rolling = decideStatus({}, { kind: "Applied", revision: rev, apply: applyResult(), prune, inventory: [], health: sts }, ctx);
    expect(cond(rolling.status, "Reconciling")?.message).toBe("waiting for: StatefulSet default/db: ready 1/3");
    expect(cond(rolling.status, "Ready")?.message).toBe(`Applied revision: ${rev}; waiting for: StatefulSet default/db: ready 1/3`);
    const ready = decideStatus(rolling.status, { kind: "Rechecked", drifted: [], health: healthy }, ctx);
    expect(ready.write).toBe(true);
    expect(cond(ready.status, "Ready")).toMatchObject({ status: "True", message: `Applied revision: ${rev}` });
    expect(cond(ready.status, "Reconciling")).toMatchObject({ status: "False", message: `${rev} is healthy` });
    const failed = decideStatus(ready.status, { kind: "Rechecked", drifted: [], health: job }, ctx);
    expect(cond(failed.status, "Ready")?.message).toBe(`Applied revision: ${rev}; ${job.message}`);
    expect(cond(failed.status, "Stalled")?.message).toBe(job.message);
  });
});
