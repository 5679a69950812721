// What git-sync says of one live object, and the small readers the rules use. The vocabulary is
// kstatus's (kubernetes-sigs/cli-utils, which Flux uses) under the names GitRepository status has
// always shown: Current = Healthy, InProgress = Progressing, Failed = Degraded, NotFound = Missing,
// Terminating = Terminating. Suspended is ours: a paused Deployment or a suspended CronJob is
// neither progressing nor broken.

export type HealthStatus = "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Terminating";

export interface Health {
  status: HealthStatus;
  /** CamelCase reason, kstatus's where it has one: LessReady, JobFailed, NotBound, ... */
  reason: string;
  message: string;
}

/** A live object as the API server returns it; rules read it only through the helpers below. */
export type Live = Record<string, unknown>;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export const healthy = (reason: string, message: string): Health => ({ status: "Healthy", reason, message });
export const progressing = (reason: string, message: string): Health => ({ status: "Progressing", reason, message });
export const degraded = (reason: string, message: string): Health => ({ status: "Degraded", reason, message });

function at(obj: Live, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** An integer field, or the fallback when absent or not a number (as kstatus's GetIntField). */
export function int(obj: Live, path: string, fallback: number): number {
  const v = at(obj, path);
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

export function str(obj: Live, path: string, fallback = ""): string {
  const v = at(obj, path);
  return typeof v === "string" ? v : fallback;
}

export function bool(obj: Live, path: string): boolean {
  return at(obj, path) === true;
}

export function has(obj: Live, path: string): boolean {
  return at(obj, path) !== undefined;
}

export function conditions(obj: Live): Condition[] {
  const list = at(obj, "status.conditions");
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is Condition => !!c && typeof c === "object" && typeof (c as Condition).type === "string");
}

export function condition(obj: Live, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

/** "Deployment web" or "Deployment ns/web", for messages that name the object. */
export function label(kind: string, obj: Live): string {
  const ns = str(obj, "metadata.namespace");
  const name = str(obj, "metadata.name");
  return `${kind} ${ns ? `${ns}/${name}` : name}`;
}
