import { describe, expect, it } from "vitest";
import type { GitRepositoryStatus } from "../../../api/gitops";
import { transitions } from "./transitions";

const rev = (c: string) => "main@sha1:" + c.repeat(40);
const t = "2026-12-01T00:00:00Z";
const st = (ready: [string, string, string] | undefined, healthy?: [string, string], applied?: string): GitRepositoryStatus => ({
  lastAppliedRevision: applied,
  conditions: [
    ...(ready ? [{ type: "Ready", status: ready[0], reason: ready[1], message: ready[2], lastTransitionTime: t }] : []),
    ...(healthy ? [{ type: "Healthy", status: healthy[0], reason: healthy[0] === "True" ? "Healthy" : "Degraded", message: healthy[1], lastTransitionTime: t }] : []),
  ],
});
const events = (a: GitRepositoryStatus | undefined, b: GitRepositoryStatus) => transitions(a, b).map((x) => x.event);

describe("which status changes are worth a notification", () => {
  const ok = st(["True", "ReconciliationSucceeded", `Applied revision: ${rev("a")}`], ["True", "1 objects healthy"], rev("a"));
  const failed = st(["False", "ValidationFailed", "1 error in b.yaml"], ["True", "1 objects healthy"], rev("a"));

  it("a new revision applied", () => {
    expect(events(undefined, ok)).toEqual(["applied"]);
    expect(events(ok, ok)).toEqual([]);
  });
  it("a failure once, again only when it changes, and its recovery", () => {
    expect(events(ok, failed)).toEqual(["failed"]);
    expect(events(failed, failed)).toEqual([]);
    expect(events(failed, st(["False", "ValidationFailed", "2 errors in b.yaml"], ["True", ""], rev("a")))).toEqual(["failed"]);
    const fixed = st(["True", "ReconciliationSucceeded", `Applied revision: ${rev("b")}`], ["True", ""], rev("b"));
    expect(events(failed, fixed)).toEqual(["applied", "recovered"]);
  });
  it("degraded health and its recovery", () => {
    const degraded = st(ok.conditions![0] ? ["True", "ReconciliationSucceeded", ""] : undefined, ["False", "Job apps/migrate failed"], rev("a"));
    expect(transitions(ok, degraded)).toEqual([{ event: "degraded", message: "Job apps/migrate failed" }]);
    expect(events(degraded, degraded)).toEqual([]);
    expect(events(degraded, ok)).toEqual(["recovered"]);
  });
  it("waiting for a dependency is neither a failure nor, when it ends, a recovery", () => {
    const waiting = st(["False", "DependencyNotReady", "dependency apps/db is not ready"]);
    expect(events(undefined, waiting)).toEqual([]);
    expect(events(waiting, ok)).toEqual(["applied"]);
  });
});
