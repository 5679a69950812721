// The one place that decides a GitRepository's status: from what a run's phases found (a
// RunOutcome) and the status as it stands, the next status (conditions, history, errors,
// inventory, revisions), the events to record, and whether it is worth a write. Pure: the
// reconciler only carries out the decision (reconcile.ts, commit()).
import type { GitRepositoryStatus, InventoryEntry, SyncError, SyncHistoryEntry } from "../../api/gitops";
import { rfc3339 } from "../../api/time";
import type { ApplyResult } from "./apply";
import type { DriftedObject } from "./drift";
import { describeDrift } from "./drift";
import { withTimeout, type Health } from "./health";
import type { PruneOutcome } from "./prune";
import { Reasons, capErrors, errorSummary, pushHistory, sameStatus, setConditions, type ConditionInput } from "./status";

export interface RunEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export type RunOutcome =
  | { kind: "Suspended" }
  /** Git (or the Secret) failed: reason is a GitFailureReason or GitOperationFailed. */
  | { kind: "SourceFailed"; reason: string; message: string }
  /** The revision did not validate: nothing applied. */
  | { kind: "Invalid"; revision: string; errors: SyncError[] }
  /** About to apply: the inventory already holds everything this run may create. */
  | { kind: "Applying"; revision: string; inventory: InventoryEntry[]; objects: number }
  | { kind: "Applied"; revision: string; apply: ApplyResult; prune: PruneOutcome; inventory: InventoryEntry[]; health: Health }
  /** Same revision and spec: drift restored (healed) or reported, health refreshed. */
  | { kind: "Rechecked"; drifted: DriftedObject[]; healed?: { result: ApplyResult; started: number }; health: Health }
  /** spec.dependsOn not satisfied: nothing of the new revision is applied yet. */
  | { kind: "Waiting"; reason: string; message: string; cycle: boolean };

export interface RunContext {
  generation: number;
  /** When the run started (ms since the epoch). */
  started: number;
  now: number;
  /** spec.timeout: how long the applied objects may take to become healthy before it is Degraded. */
  healthTimeout?: { ms: number; text: string };
}

export interface StatusDecision {
  status: GitRepositoryStatus;
  events: RunEvent[];
  /** false: nothing changed that is worth a write (a repeated failure, an unchanged recheck). */
  write: boolean;
}

export function decideStatus(current: GitRepositoryStatus, outcome: RunOutcome, ctx: RunContext): StatusDecision {
  switch (outcome.kind) {
    case "Suspended":
      return suspended(current, ctx);
    case "SourceFailed":
      return sourceFailed(current, outcome, ctx);
    case "Invalid":
      return invalid(current, outcome, ctx);
    case "Applying":
      return applying(current, outcome, ctx);
    case "Applied":
      return applied(current, outcome, ctx);
    case "Rechecked":
      return rechecked(current, outcome, ctx);
    case "Waiting":
      return waiting(current, outcome, ctx);
  }
}

const ready = (s: GitRepositoryStatus) => s.conditions?.find((c) => c.type === "Ready");
const drifted = (s: GitRepositoryStatus) => s.conditions?.find((c) => c.type === "Drifted");

/** Writes only what changed (apart from the sync time, refreshed with every write). */
function ifChanged(current: GitRepositoryStatus, next: GitRepositoryStatus, events: RunEvent[], now: number, force = false): StatusDecision {
  const write = force || !sameStatus(current, next);
  if (write) next.lastSyncTime = rfc3339(now);
  return { status: next, events, write };
}

function suspended(current: GitRepositoryStatus, ctx: RunContext): StatusDecision {
  const next = structuredClone(current);
  const last = next.lastAppliedRevision ? ` (last applied ${next.lastAppliedRevision})` : "";
  next.conditions = setConditions(next.conditions, [
    { type: "Ready", status: "Unknown", reason: Reasons.Suspended, message: `reconciliation is suspended${last}` },
    { type: "Reconciling", status: "False", reason: Reasons.Suspended, message: "reconciliation is suspended" },
  ], ctx.generation, rfc3339(ctx.now));
  next.observedGeneration = ctx.generation;
  return { status: next, events: [], write: true };
}

/** Waiting on dependencies: Reconciling while they get ready; a cycle is Stalled (it never will). */
function waiting(current: GitRepositoryStatus, o: Extract<RunOutcome, { kind: "Waiting" }>, ctx: RunContext): StatusDecision {
  const next = structuredClone(current);
  next.conditions = setConditions(next.conditions, [
    { type: "Ready", status: "False", reason: o.reason, message: o.message },
    { type: "Reconciling", status: o.cycle ? "False" : "True", reason: o.reason, message: o.cycle ? "fix spec.dependsOn" : "waiting for dependencies" },
    { type: "Stalled", status: o.cycle ? "True" : "False", reason: o.reason, message: o.cycle ? o.message : "" },
  ], ctx.generation, rfc3339(ctx.now));
  next.observedGeneration = ctx.generation;
  const events: RunEvent[] = ready(current)?.message === o.message ? [] : [{ type: o.cycle ? "Warning" : "Normal", reason: o.reason, message: o.message }];
  return ifChanged(current, next, events, ctx.now);
}

function sourceFailed(current: GitRepositoryStatus, o: { reason: string; message: string }, ctx: RunContext): StatusDecision {
  const next = structuredClone(current);
  const transient = o.reason === "Timeout" || o.reason === "GitOperationFailed";
  next.conditions = setConditions(next.conditions, [
    { type: "Ready", status: "False", reason: o.reason, message: o.message },
    { type: "Reconciling", status: "False", reason: o.reason, message: "retrying at the next interval" },
    { type: "Stalled", status: transient ? "False" : "True", reason: o.reason, message: o.message },
  ], ctx.generation, rfc3339(ctx.now));
  next.observedGeneration = ctx.generation;
  const events: RunEvent[] = [];
  if (ready(current)?.message !== o.message) {
    next.history = pushHistory(next.history, { startedAt: rfc3339(ctx.started), durationMs: ctx.now - ctx.started, result: "Failed", message: o.message });
    events.push({ type: "Warning", reason: o.reason, message: o.message });
  }
  return ifChanged(current, next, events, ctx.now);
}

function invalid(current: GitRepositoryStatus, o: { revision: string; errors: SyncError[] }, ctx: RunContext): StatusDecision {
  const { revision, errors } = o;
  const message = errorSummary(errors, revision);
  const next = structuredClone(current);
  next.lastAttemptedRevision = revision;
  next.errors = capErrors(errors);
  next.observedGeneration = ctx.generation;
  // The same revision failing the same way again (interval re-validation): no new history or event.
  const repeat = current.lastAttemptedRevision === revision && ready(current)?.message === message;
  if (!repeat) next.history = pushHistory(next.history, { revision, startedAt: rfc3339(ctx.started), durationMs: ctx.now - ctx.started, result: "Failed", message });
  const count = `${errors.length} error${errors.length > 1 ? "s" : ""}`;
  next.conditions = setConditions(next.conditions, [
    { type: "Ready", status: "False", reason: Reasons.ValidationFailed, message },
    { type: "Reconciling", status: "False", reason: Reasons.ValidationFailed, message: "waiting for a new revision" },
    { type: "Stalled", status: "True", reason: Reasons.ValidationFailed, message: `${count} in ${revision}; the cluster keeps ${next.lastAppliedRevision ?? "nothing applied"}` },
  ], ctx.generation, rfc3339(ctx.now));
  const events: RunEvent[] = repeat ? [] : [{ type: "Warning", reason: Reasons.ValidationFailed, message }];
  return ifChanged(current, next, events, ctx.now, !repeat);
}

/**
 * Before the first write of a run, the inventory is the union of old and new: a crash mid-apply
 * leaves every object the run may have created in it. Written when the run adds objects to it
 * (or is large); a small revision that creates nothing has nothing to record.
 */
function applying(current: GitRepositoryStatus, o: { revision: string; inventory: InventoryEntry[]; objects: number }, ctx: RunContext): StatusDecision {
  const next = structuredClone(current);
  next.lastAttemptedRevision = o.revision;
  next.inventory = o.inventory;
  next.conditions = setConditions(next.conditions, [{ type: "Reconciling", status: "True", reason: Reasons.Progressing, message: `applying ${o.revision}` }], ctx.generation, rfc3339(ctx.now));
  return { status: next, events: [], write: o.inventory.length > (current.inventory?.length ?? 0) || o.objects > 50 };
}

function applied(current: GitRepositoryStatus, o: Extract<RunOutcome, { kind: "Applied" }>, ctx: RunContext): StatusDecision {
  const { apply, prune, revision } = o;
  const ok = apply.errors.length === 0 && prune.failed.length === 0;
  const summary = `${apply.created} created, ${apply.configured} configured, ${apply.unchanged} unchanged${prune.deleted.length ? `, ${prune.deleted.length} pruned` : ""}`;
  const allErrors: SyncError[] = [...apply.errors, ...prune.failed.map((f) => ({ ...f.ref, reason: Reasons.PruneFailed, message: f.message }))];
  const outcome = ok ? Reasons.Succeeded : Reasons.ApplyFailed;
  const health = timedOut(o.health, ctx.started, ctx);
  const conditions: ConditionInput[] = [
    { type: "Drifted", status: "False", reason: Reasons.NoDrift, message: "live objects match the revision" },
    prune.blocked ? { type: "PruneBlocked", status: "True", reason: Reasons.PruneBlocked, message: prune.blocked } : { type: "PruneBlocked", status: "False", reason: Reasons.Succeeded, message: "" },
  ];
  // A clean run is then judged by what it applied (Flux's wait): Ready once everything is healthy.
  if (ok && !prune.blocked) conditions.push(...healthConditions(health, revision, summary));
  else {
    conditions.push({ type: "Reconciling", status: "False", reason: outcome, message: summary }, { type: "Stalled", status: "False", reason: outcome, message: "" }, healthCondition(health));
    if (ok) conditions.push({ type: "Ready", status: "False", reason: Reasons.PruneBlocked, message: `Applied revision: ${revision}; prune blocked: ${prune.blocked}` });
    else conditions.push({ type: "Ready", status: "False", reason: apply.errors.length ? Reasons.ApplyFailed : Reasons.PruneFailed, message: errorSummary(allErrors, revision) });
  }
  const next = structuredClone(current);
  next.conditions = setConditions(next.conditions, conditions, ctx.generation, rfc3339(ctx.now));
  next.inventory = o.inventory;
  next.errors = capErrors(allErrors);
  next.observedGeneration = ctx.generation;
  if (apply.errors.length === 0) next.lastAppliedRevision = revision;
  const entry: SyncHistoryEntry = {
    revision,
    startedAt: rfc3339(ctx.started),
    durationMs: ctx.now - ctx.started,
    result: ok ? (prune.blocked ? "Blocked" : "Succeeded") : "Failed",
    message: summary,
    applied: apply.created + apply.configured,
    pruned: prune.deleted.length,
    unchanged: apply.unchanged,
  };
  next.history = pushHistory(next.history, entry);
  const events: RunEvent[] = [ok ? { type: "Normal", reason: "Applied", message: `applied ${revision}: ${summary}` } : { type: "Warning", reason: Reasons.ApplyFailed, message: errorSummary(allErrors, revision) }];
  if (prune.deleted.length) events.push({ type: "Normal", reason: "Pruned", message: `pruned ${prune.deleted.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/${r.name}` : r.name}`).join(", ")}` });
  if (prune.blocked) events.push({ type: "Warning", reason: Reasons.PruneBlocked, message: prune.blocked });
  return ifChanged(current, next, events, ctx.now, true);
}

function rechecked(current: GitRepositoryStatus, o: Extract<RunOutcome, { kind: "Rechecked" }>, ctx: RunContext): StatusDecision {
  const now = rfc3339(ctx.now);
  const next = structuredClone(current);
  const describe = describeDrift(o.drifted);
  const events: RunEvent[] = [];
  if (o.healed) {
    next.history = pushHistory(next.history, {
      revision: current.lastAppliedRevision,
      startedAt: rfc3339(o.healed.started),
      durationMs: ctx.now - o.healed.started,
      result: o.healed.result.errors.length ? "Failed" : "Succeeded",
      message: `drift corrected: ${describe}`,
      applied: o.healed.result.applied.size,
    });
    events.push({ type: "Normal", reason: "DriftCorrected", message: `restored ${describe}` });
    next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "False", reason: "DriftCorrected", message: `restored ${describe}` }], ctx.generation, now);
  } else if (o.drifted.length) {
    const n = o.drifted.length;
    const message = `${n} object${n > 1 ? "s" : ""} differ from ${current.lastAppliedRevision}: ${describe}`;
    const before = drifted(current);
    if (before?.status !== "True" || before.message !== message) events.push({ type: "Warning", reason: Reasons.DriftDetected, message });
    next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "True", reason: Reasons.DriftDetected, message }], ctx.generation, now);
  } else if (drifted(current)?.status === "True") {
    next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "False", reason: Reasons.NoDrift, message: "live objects match the revision" }], ctx.generation, now);
  }
  const since = o.healed?.started ?? appliedSince(current);
  const health = timedOut(o.health, since, ctx);
  const reconciling = current.conditions?.find((c) => c.type === "Reconciling");
  const done = reconciling?.status === "False" && reconciling.message ? reconciling.message : `${current.lastAppliedRevision} is healthy`;
  next.conditions = setConditions(next.conditions, healthConditions(health, current.lastAppliedRevision ?? "", done), ctx.generation, now);
  return ifChanged(current, next, events, ctx.now);
}

/** Ready reasons of a revision that applied cleanly, whatever its health: rechecks keep judging it. */
export const APPLIED_READY_REASONS: ReadonlySet<string> = new Set([Reasons.Succeeded, Reasons.Progressing, Reasons.HealthCheckFailed, Reasons.HealthCheckTimeout]);

/**
 * The conditions of a revision applied without errors, from the health of its objects (kstatus's
 * verdict, as Flux's `wait`): all Current is Ready=True; anything still rolling out keeps
 * Reconciling=True (reason Progressing, naming what is awaited) with Ready=Unknown; a Degraded
 * object, or a rollout past spec.timeout, is Ready=False and Stalled=True naming the object.
 * `done` is the Reconciling message once nothing is awaited.
 */
export function healthConditions(h: Health, revision: string, done: string): ConditionInput[] {
  const detail = healthCondition(h);
  if (h.status === "Healthy" || h.status === "Suspended") {
    return [
      { type: "Ready", status: "True", reason: Reasons.Succeeded, message: `Applied revision: ${revision}` },
      { type: "Reconciling", status: "False", reason: Reasons.Succeeded, message: done },
      { type: "Stalled", status: "False", reason: Reasons.Succeeded, message: "" },
      detail,
    ];
  }
  if (h.status === "Degraded") {
    const reason = h.reason === "HealthCheckTimeout" ? Reasons.HealthCheckTimeout : Reasons.HealthCheckFailed;
    return [
      { type: "Ready", status: "False", reason, message: `Applied revision: ${revision}; ${h.message}` },
      { type: "Reconciling", status: "False", reason, message: "waiting for the objects to recover or a new revision" },
      { type: "Stalled", status: "True", reason, message: h.message },
      detail,
    ];
  }
  return [
    { type: "Ready", status: "Unknown", reason: Reasons.Progressing, message: `Applied revision: ${revision}; waiting for: ${h.message}` },
    { type: "Reconciling", status: "True", reason: Reasons.Progressing, message: `waiting for: ${h.message}` },
    { type: "Stalled", status: "False", reason: Reasons.Progressing, message: "" },
    detail,
  ];
}

function timedOut(h: Health, since: number | undefined, ctx: RunContext): Health {
  return ctx.healthTimeout ? withTimeout(h, since, ctx.healthTimeout.ms, ctx.now, ctx.healthTimeout.text) : h;
}

/** When the revision in place was last applied (or its drift repaired): the newest such run's end. */
function appliedSince(current: GitRepositoryStatus): number | undefined {
  const entry = current.history?.find((h) => h.revision === current.lastAppliedRevision && h.result !== "Failed");
  if (!entry) return undefined;
  const started = Date.parse(entry.startedAt);
  return Number.isFinite(started) ? started + (entry.durationMs ?? 0) : undefined;
}

export function healthCondition(h: Health): ConditionInput {
  const reason = h.status === "Missing" ? "Progressing" : h.status === "Degraded" && h.reason === "HealthCheckTimeout" ? h.reason : h.status;
  const status = h.status === "Healthy" ? "True" : h.status === "Degraded" ? "False" : "Unknown";
  return { type: "Healthy", status, reason, message: h.message };
}
