// The Job controller's decision, pure: from a Job and the pods it controls at a moment, what to
// create, what to delete, the status to write and when to look again (after syncJob in
// pkg/controller/job/job_controller.go). Succeeded and failed are counted from the pods observed
// (never below what status already says), not with tracking finalizers.
import type { Job, JobCondition, JobStatus } from "../../../api/batch";
import type { Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { isPodActive, isPodReady } from "../pods";
import { matchPodFailurePolicy } from "./failure-policy";
import { completionIndex, formatIndexes } from "./indexes";

export interface JobPlanOptions {
  now: number;
  /** Pod backoff after failures: base doubling per failure, capped (Kubernetes: 10 s, 6 min). */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface JobEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface JobPlan {
  status: JobStatus;
  /** One entry per pod to create: its completion index (Indexed) or undefined. */
  create: Array<number | undefined>;
  delete: Pod[];
  events: JobEvent[];
  requeueAfter?: number;
}

type Finish = { type: "Complete" | "Failed"; reason: string; message: string };

export const messages = {
  backoffLimit: "Job has reached the specified backoff limit",
  deadline: "Job was active longer than specified deadline",
  completions: "Reached expected number of succeeded pods",
};

const isTrue = (conds: JobCondition[], type: string) => conds.some((c) => c.type === type && c.status === "True");
const timeOf = (s: string | undefined) => (s ? Date.parse(s) : NaN);

/** When a finished pod finished: its last container's finishedAt, else its creation. */
function finishedAt(pod: Pod): number {
  const times = (pod.status?.containerStatuses ?? []).map((s) => timeOf(s.state?.terminated?.finishedAt)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : timeOf(pod.metadata.creationTimestamp) || 0;
}

/** Sets a condition (both times move only when its status changes), as Kubernetes' job conditions do. */
export function setCondition(conds: JobCondition[], type: string, status: string, reason: string, message: string, now: number): boolean {
  const at = rfc3339(now);
  const existing = conds.find((c) => c.type === type);
  if (!existing) {
    conds.push({ type, status, lastProbeTime: at, lastTransitionTime: at, reason, message });
    return true;
  }
  if (existing.status === status && existing.reason === reason && existing.message === message) return false;
  if (existing.status !== status) existing.lastTransitionTime = at;
  Object.assign(existing, { status, reason, message, lastProbeTime: at });
  return true;
}

interface Observed {
  active: Pod[];
  terminating: Pod[];
  succeeded: number;
  succeededIndexes: Set<number>;
  /** Failures that count toward backoffLimit (restarts of OnFailure pods included). */
  failures: number;
  failedPods: number;
  failJob?: string;
  /** Failed pods after the last success: the exponent of the backoff, and when the last one failed. */
  recentFailures: number;
  lastFailureAt: number;
}

function observe(job: Job, pods: Pod[]): Observed {
  const active = pods.filter(isPodActive);
  const terminating = pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const succeededPods = pods.filter((p) => p.status?.phase === "Succeeded");
  const succeededIndexes = new Set(succeededPods.map(completionIndex).filter((i): i is number => i !== undefined && i < (job.spec.completions ?? 0)));
  let failJob: string | undefined;
  const counted: Pod[] = [];
  for (const pod of pods.filter((p) => p.status?.phase === "Failed")) {
    const match = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
    if (match?.action === "Ignore") continue;
    if (match?.action === "FailJob") failJob ??= match.message;
    counted.push(pod);
  }
  const prev = job.status ?? {};
  const observedSucceeded = job.spec.completionMode === "Indexed" ? succeededIndexes.size : succeededPods.length;
  const failedPods = Math.max(prev.failed ?? 0, counted.length);
  const restarts = job.spec.template.spec?.restartPolicy === "OnFailure" ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, s) => m + (s.restartCount ?? 0), 0), 0) : 0;
  const lastSuccess = Math.max(0, ...succeededPods.map(finishedAt));
  const recent = counted.filter((p) => finishedAt(p) >= lastSuccess);
  return {
    active,
    terminating,
    succeeded: Math.max(prev.succeeded ?? 0, observedSucceeded),
    succeededIndexes,
    failures: failedPods + restarts,
    failedPods,
    failJob,
    recentFailures: recent.length,
    lastFailureAt: Math.max(0, ...recent.map(finishedAt)),
  };
}

/** Why the Job must end now, if it must (failure first, as Kubernetes checks it). */
function finishReason(job: Job, o: Observed, now: number): Finish | undefined {
  const conds = job.status?.conditions ?? [];
  const target = conds.find((c) => c.type === "FailureTarget" && c.status === "True");
  if (target) return { type: "Failed", reason: target.reason ?? "", message: target.message ?? "" };
  const met = conds.find((c) => c.type === "SuccessCriteriaMet" && c.status === "True");
  if (met) return { type: "Complete", reason: met.reason ?? "CompletionsReached", message: met.message ?? messages.completions };
  if (o.failJob) return { type: "Failed", reason: "PodFailurePolicy", message: o.failJob };
  if (o.failures > (job.spec.backoffLimit ?? 6)) return { type: "Failed", reason: "BackoffLimitExceeded", message: messages.backoffLimit };
  const start = timeOf(job.status?.startTime);
  const deadline = job.spec.activeDeadlineSeconds;
  if (deadline !== undefined && !job.spec.suspend && !Number.isNaN(start) && now - start >= deadline * 1000) {
    return { type: "Failed", reason: "DeadlineExceeded", message: messages.deadline };
  }
  const completions = job.spec.completions;
  const done = completions === undefined ? o.succeeded > 0 && o.active.length === 0 : o.succeeded >= completions;
  if (done) return { type: "Complete", reason: "CompletionsReached", message: messages.completions };
  return undefined;
}

function baseStatus(job: Job, o: Observed): JobStatus {
  const prev = job.status ?? {};
  const status: JobStatus = {
    ...(prev.startTime ? { startTime: prev.startTime } : {}),
    active: o.active.length,
    ready: o.active.filter(isPodReady).length,
    succeeded: o.succeeded,
    failed: o.failedPods,
    terminating: o.terminating.length,
    uncountedTerminatedPods: {},
    conditions: structuredClone(prev.conditions ?? []),
  };
  if (job.spec.completionMode === "Indexed") status.completedIndexes = formatIndexes(o.succeededIndexes);
  if (prev.completionTime) status.completionTime = prev.completionTime;
  return status;
}

/** Ending: the interim condition, the active pods deleted, the terminal condition once none is left. */
function planFinish(job: Job, o: Observed, finish: Finish, status: JobStatus, now: number): JobPlan {
  const conds = status.conditions!;
  const interim = finish.type === "Failed" ? "FailureTarget" : "SuccessCriteriaMet";
  setCondition(conds, interim, "True", finish.reason, finish.message, now);
  const events: JobEvent[] = [];
  if (o.active.length === 0 && o.terminating.length === 0) {
    setCondition(conds, finish.type, "True", finish.reason, finish.message, now);
    if (finish.type === "Complete") {
      status.completionTime = rfc3339(now);
      events.push({ type: "Normal", reason: "Completed", message: "Job completed" });
    } else {
      events.push({ type: "Warning", reason: finish.reason, message: finish.message });
    }
  }
  status.active = 0;
  status.ready = 0;
  status.terminating = o.terminating.length + o.active.length;
  return { status, create: [], delete: o.active, events };
}

/** Suspended: no pods; the Suspended condition True. */
function planSuspend(o: Observed, status: JobStatus, now: number): JobPlan {
  const events: JobEvent[] = [];
  if (setCondition(status.conditions!, "Suspended", "True", "JobSuspended", "Job suspended", now)) events.push({ type: "Normal", reason: "Suspended", message: "Job suspended" });
  status.active = 0;
  status.ready = 0;
  status.terminating = o.terminating.length + o.active.length;
  return { status, create: [], delete: o.active, events };
}

/** How many pods (or which indexes) to start now, and how many active ones are too many. */
function podsToStart(job: Job, o: Observed): { create: Array<number | undefined>; excess: number } {
  const parallelism = job.spec.parallelism ?? 1;
  const busy = o.active.length + (job.spec.podReplacementPolicy === "Failed" ? o.terminating.length : 0);
  const completions = job.spec.completions;
  if (job.spec.completionMode === "Indexed" && completions !== undefined) {
    const taken = new Set([...o.succeededIndexes, ...o.active.map(completionIndex), ...(job.spec.podReplacementPolicy === "Failed" ? o.terminating.map(completionIndex) : [])]);
    const pending: number[] = [];
    for (let i = 0; i < completions && pending.length < parallelism - busy; i++) if (!taken.has(i)) pending.push(i);
    return { create: pending, excess: Math.max(0, o.active.length - parallelism) };
  }
  const want = completions === undefined ? (o.succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - o.succeeded);
  return { create: new Array(Math.max(0, want - busy)).fill(undefined), excess: Math.max(0, o.active.length - Math.max(0, want)) };
}

/** Least valuable first: not ready before ready, newest before oldest. */
function excessPods(active: Pod[], n: number): Pod[] {
  const rank = (p: Pod) => (isPodReady(p) ? 1 : 0);
  return [...active].sort((a, b) => rank(a) - rank(b) || timeOf(b.metadata.creationTimestamp) - timeOf(a.metadata.creationTimestamp)).slice(0, n);
}

export function planJob(job: Job, pods: Pod[], opts: JobPlanOptions): JobPlan {
  const { now } = opts;
  const o = observe(job, pods);
  const status = baseStatus(job, o);
  const finish = finishReason(job, o, now);
  if (finish) return planFinish(job, o, finish, status, now);
  if (job.spec.suspend) return planSuspend(o, status, now);
  const events: JobEvent[] = [];
  const conds = status.conditions!;
  if (isTrue(conds, "Suspended")) {
    // Resumed: the deadline counts from now.
    setCondition(conds, "Suspended", "False", "JobResumed", "Job resumed", now);
    events.push({ type: "Normal", reason: "Resumed", message: "Job resumed" });
    status.startTime = rfc3339(now);
  }
  status.startTime ??= rfc3339(now);
  const waits: number[] = [];
  const deadline = job.spec.activeDeadlineSeconds;
  if (deadline !== undefined) waits.push(Date.parse(status.startTime) + deadline * 1000 - now);
  let { create, excess } = podsToStart(job, o);
  if (create.length && o.recentFailures > 0) {
    const delay = Math.min(opts.backoffBaseMs * 2 ** (o.recentFailures - 1), opts.backoffMaxMs);
    const wait = o.lastFailureAt + delay - now;
    if (wait > 0) {
      create = [];
      waits.push(wait);
    }
  }
  const plan: JobPlan = { status, create, delete: excessPods(o.active, excess), events };
  if (waits.length) plan.requeueAfter = Math.max(1, Math.min(...waits));
  return plan;
}
