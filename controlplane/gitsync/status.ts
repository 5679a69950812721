// GitRepository status as pure functions: conditions with typed reasons (keeping
// lastTransitionTime while a condition's status does not change), the Ready message that
// `kubectl get gitrepositories` prints, the run history (newest first, last 5).
import type { GitRepositoryStatus, SyncError, SyncHistoryEntry } from "../../api/gitops";
import type { Condition } from "../../api/meta";
import { locate } from "./manifests";

export const HISTORY_LIMIT = 5;
export const ERRORS_LIMIT = 100;

/** Typed reasons, Flux-style. */
export const Reasons = {
  Succeeded: "ReconciliationSucceeded",
  Progressing: "Progressing",
  ValidationFailed: "ValidationFailed",
  ApplyFailed: "ApplyFailed",
  PruneFailed: "PruneFailed",
  PruneBlocked: "PruneBlocked",
  Suspended: "Suspended",
  DriftDetected: "DriftDetected",
  NoDrift: "NoDrift",
  Healthy: "Healthy",
  Degraded: "Degraded",
  /** Applied, and an object is Degraded (a Job failed, a pod crash-loops). */
  HealthCheckFailed: "HealthCheckFailed",
  /** Applied, and still rolling out after spec.timeout. */
  HealthCheckTimeout: "HealthCheckTimeout",
} as const;

export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

/** Sets the conditions (by type) on top of existing ones; transition time moves only on a status change. */
export function setConditions(existing: Condition[] | undefined, updates: ConditionInput[], generation: number | undefined, now: string): Condition[] {
  const out = new Map<string, Condition>((existing ?? []).map((c) => [c.type, c]));
  for (const u of updates) {
    const prev = out.get(u.type);
    out.set(u.type, {
      type: u.type,
      status: u.status,
      reason: u.reason,
      message: truncate(u.message, 2048),
      lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    } as Condition);
  }
  const order = ["Ready", "Reconciling", "Stalled", "Healthy", "Drifted", "PruneBlocked"];
  return [...out.values()].sort((a, b) => rank(order, a.type) - rank(order, b.type));
}

const rank = (order: string[], t: string) => (order.includes(t) ? order.indexOf(t) : order.length);

/** The one-line summary of errors for the Ready condition (what `kubectl get` shows). */
export function errorSummary(errors: SyncError[], revision: string | undefined): string {
  if (errors.length === 0) return "";
  const first = errors[0]!;
  const where = locate(first);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""}; see status.errors)` : "";
  return `${revision ? `revision ${revision} not applied: ` : ""}${where ? where + ": " : ""}${first.message}${more}`;
}

/** Prepends a run to the history, keeping the newest HISTORY_LIMIT. */
export function pushHistory(history: SyncHistoryEntry[] | undefined, entry: SyncHistoryEntry): SyncHistoryEntry[] {
  return [entry, ...(history ?? [])].slice(0, HISTORY_LIMIT);
}

/** Caps the error list so a huge broken repository cannot make the status object huge. */
export function capErrors(errors: SyncError[]): SyncError[] {
  if (errors.length <= ERRORS_LIMIT) return errors;
  return [...errors.slice(0, ERRORS_LIMIT - 1), { reason: "TooManyErrors", message: `${errors.length - ERRORS_LIMIT + 1} more errors not shown` }];
}

/** Are two statuses equal apart from timestamps we refresh on every write? */
export function sameStatus(a: GitRepositoryStatus | undefined, b: GitRepositoryStatus): boolean {
  const strip = (s: GitRepositoryStatus | undefined) => JSON.stringify({ ...(s ?? {}), lastSyncTime: undefined });
  return strip(a) === strip(b);
}

export function truncate(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 3) + "..." : s;
}
