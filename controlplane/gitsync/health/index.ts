// Health of what a revision applied, by kstatus's rules (kubernetes-sigs/cli-utils, the library
// Flux judges Kustomizations with), written here in TypeScript and pure: the generic checks
// first (terminating, generation not observed, Reconciling/Stalled), then the kind's own rule, then
// a `Ready` condition, and otherwise the object is healthy once it exists. The worst object decides
// the repository; a rollout still in progress after spec.timeout is Degraded.
import { crdHealth, cronJobHealth, jobHealth, podHealth, pvcHealth, serviceHealth } from "./others";
import { genericHealth, readyConditionHealth } from "./generic";
import { daemonSetHealth, deploymentHealth, replicaSetHealth, statefulSetHealth } from "./workloads";
import { healthy, type Health, type HealthStatus, type Live } from "./types";

export type { Health, HealthStatus } from "./types";

type Rule = (obj: Live, now: number) => Health;

/** Kinds with a rule of their own, by "group/Kind" ("Kind" for the core group). */
const RULES: Record<string, Rule> = {
  Pod: podHealth,
  PersistentVolumeClaim: pvcHealth,
  Service: serviceHealth,
  "apps/Deployment": deploymentHealth,
  "apps/ReplicaSet": replicaSetHealth,
  "apps/StatefulSet": statefulSetHealth,
  "apps/DaemonSet": daemonSetHealth,
  "batch/Job": jobHealth,
  "batch/CronJob": cronJobHealth,
  "apiextensions.k8s.io/CustomResourceDefinition": crdHealth,
};

function ruleKey(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
}

/** Health of one live object (undefined or null: it does not exist). */
export function objectHealth(ref: { apiVersion: string; kind: string }, live: unknown, now = Date.now()): Health {
  if (live === undefined || live === null || typeof live !== "object") return { status: "Missing", reason: "NotFound", message: `${ref.kind} not found` };
  const obj = live as Live;
  const generic = genericHealth(ref.kind, obj);
  if (generic) return generic;
  const rule = RULES[ruleKey(ref.apiVersion, ref.kind)];
  if (rule) return rule(obj, now);
  return readyConditionHealth(ref.kind, obj) ?? healthy("Current", `${ref.kind} exists`);
}

const RANK: Record<HealthStatus, number> = { Healthy: 0, Suspended: 1, Progressing: 2, Terminating: 3, Missing: 4, Degraded: 5 };

/** The worst of several (Degraded > Missing > Terminating > Progressing > Suspended > Healthy); the worst ones' messages joined. */
export function aggregateHealth(items: Array<{ ref: string; health: Health }>): Health {
  if (items.length === 0) return { status: "Healthy", reason: "NoObjects", message: "no objects to check" };
  let worst: HealthStatus = "Healthy";
  for (const i of items) if (RANK[i.health.status] > RANK[worst]) worst = i.health.status;
  if (worst === "Healthy") return { status: "Healthy", reason: "AllHealthy", message: `${items.length} objects healthy` };
  const bad = items.filter((i) => i.health.status === worst);
  const shown = bad.slice(0, 3).map((i) => i.health.message);
  const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : "";
  return { status: worst, reason: bad[0]!.health.reason, message: shown.join("; ") + more };
}

/** A Job that has started and not ended: healthy for kstatus, but its outcome is still to come. */
export function isRunningJob(h: Health): boolean {
  return h.reason === "JobInProgress";
}

/** Whether a verdict is still waiting for something (what spec.timeout bounds). */
export function isWaiting(h: Health): boolean {
  return h.status === "Progressing" || h.status === "Missing" || h.status === "Terminating";
}

/**
 * Past the deadline, waiting is a failure: Degraded with reason HealthCheckTimeout and what was
 * still awaited, as Flux reports "timeout waiting for: ...". `since` is when the revision (or the
 * drift repair) was applied.
 */
export function withTimeout(h: Health, since: number | undefined, timeoutMs: number, now: number, timeoutText: string): Health {
  if (!isWaiting(h) || since === undefined || now - since <= timeoutMs) return h;
  return { status: "Degraded", reason: "HealthCheckTimeout", message: `timeout after ${timeoutText} waiting for: ${h.message}` };
}
