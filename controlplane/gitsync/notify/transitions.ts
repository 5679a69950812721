// Which notifications a status change is worth (spec.notify): pure, from the status before and
// after one decision. Each is sent once per transition, never again while nothing changes:
//   applied    a new revision was applied (lastAppliedRevision moved)
//   failed     Ready turned False with a new failure (validation, apply, prune, source, a cycle);
//              waiting on dependencies is not a failure
//   degraded   Healthy turned False (a Job failed, a rollout timed out, a pod crash-loops)
//   recovered  Ready or Healthy turned True again after being False
import type { GitRepositoryStatus } from "../../../api/gitops";

export type NotificationEvent = "applied" | "failed" | "degraded" | "recovered";
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ["applied", "failed", "degraded", "recovered"];

/** Ready=False reasons that are waiting, not failing, or that `degraded` already tells (health). */
const NOT_A_FAILURE = new Set(["DependencyNotReady", "DependencyNotFound", "Progressing", "Suspended", "HealthCheckFailed", "HealthCheckTimeout"]);

const cond = (s: GitRepositoryStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

export interface Transition {
  event: NotificationEvent;
  /** The condition's message (or the applied revision's) that the notification carries. */
  message: string;
}

export function transitions(before: GitRepositoryStatus | undefined, after: GitRepositoryStatus): Transition[] {
  const out: Transition[] = [];
  const rBefore = cond(before, "Ready");
  const rAfter = cond(after, "Ready");
  const hBefore = cond(before, "Healthy");
  const hAfter = cond(after, "Healthy");
  if (after.lastAppliedRevision && after.lastAppliedRevision !== before?.lastAppliedRevision) {
    out.push({ event: "applied", message: rAfter?.message || `applied ${after.lastAppliedRevision}` });
  }
  if (rAfter?.status === "False" && !NOT_A_FAILURE.has(rAfter.reason ?? "") && (rBefore?.status !== "False" || rBefore.message !== rAfter.message)) {
    out.push({ event: "failed", message: rAfter.message ?? rAfter.reason ?? "failed" });
  }
  if (hAfter?.status === "False" && hBefore?.status !== "False") out.push({ event: "degraded", message: hAfter.message ?? "degraded" });
  const readyBack = rAfter?.status === "True" && rBefore?.status === "False" && !NOT_A_FAILURE.has(rBefore.reason ?? "");
  const healthBack = hAfter?.status === "True" && hBefore?.status === "False";
  if (readyBack || healthBack) out.push({ event: "recovered", message: healthBack ? (hAfter?.message ?? "healthy") : (rAfter?.message ?? "ready") });
  return out;
}
