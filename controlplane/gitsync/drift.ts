// Drift: does the live object still carry what the manifest says? Only fields present in the
// manifest are compared, so server defaults (imagePullPolicy, strategy, clusterIP, protocol...)
// and fields other managers own never count as drift. Lists of objects are matched by their
// merge key (name, containerPort, port...), quantities by value ("0.5" equals "500m").
import { isQuantity, parseQuantity } from "../../api/quantity";
import type { PreparedObject } from "./apply";

/** Fields of metadata that are the server's, not the manifest's. */
const IGNORED_METADATA = new Set(["namespace", "resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink"]);
const MERGE_KEYS = ["name", "containerPort", "port", "mountPath", "devicePath", "ip", "type", "key"];

/** Paths ("spec.template.spec.containers[name=web].image") where live differs from desired. */
export function driftedFields(desired: Record<string, unknown>, live: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (k === "status" || k === "apiVersion" || k === "kind") continue;
    if (k === "metadata" && isObject(v)) {
      const lm = isObject(live.metadata) ? live.metadata : {};
      for (const [mk, mv] of Object.entries(v)) {
        if (IGNORED_METADATA.has(mk)) continue;
        compare(mv, lm[mk], `metadata.${mk}`, out);
      }
      continue;
    }
    compare(v, live[k], k, out);
  }
  return out;
}

function compare(want: unknown, have: unknown, path: string, out: string[]): void {
  if (want === null || want === undefined) return;
  if (isObject(want)) {
    if (!isObject(have)) {
      if (Object.keys(want).length > 0) out.push(path);
      return;
    }
    for (const [k, v] of Object.entries(want)) compare(v, have[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have)) {
      if (want.length > 0) out.push(path);
      return;
    }
    const key = mergeKeyOf(want);
    if (key) {
      if (have.length !== want.length) {
        out.push(path);
        return;
      }
      for (const w of want as Record<string, unknown>[]) {
        const match = have.find((h) => isObject(h) && scalarEqual(w[key], h[key]));
        if (match === undefined) out.push(`${path}[${key}=${String(w[key])}]`);
        else compare(w, match, `${path}[${key}=${String(w[key])}]`, out);
      }
      return;
    }
    if (have.length !== want.length) {
      out.push(path);
      return;
    }
    want.forEach((w, i) => compare(w, have[i], `${path}[${i}]`, out));
    return;
  }
  if (!scalarEqual(want, have)) out.push(path);
}

function mergeKeyOf(list: unknown[]): string | undefined {
  if (list.length === 0 || !list.every(isObject)) return undefined;
  const objs = list as Record<string, unknown>[];
  return MERGE_KEYS.find((k) => objs.every((o) => o[k] !== undefined) && new Set(objs.map((o) => String(o[k]))).size === objs.length);
}

function scalarEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a === "object" || typeof b === "object") return false;
  if (String(a) === String(b)) return true;
  if (isQuantityLike(a) && isQuantityLike(b)) {
    try {
      return parseQuantity(a as string | number) === parseQuantity(b as string | number);
    } catch {
      return false;
    }
  }
  return false;
}

function isQuantityLike(v: unknown): boolean {
  return (typeof v === "string" || typeof v === "number") && isQuantity(v as string | number);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An applied object whose live state no longer carries what its manifest says. */
export interface DriftedObject {
  object: PreparedObject;
  /** Drifted paths, or ["(deleted)"] when the live object is gone. */
  fields: string[];
}

/** The rendered objects that drifted from what is live (a deleted one counts). */
export function detectDrift(objects: PreparedObject[], live: Map<string, unknown>): DriftedObject[] {
  const drifted: DriftedObject[] = [];
  for (const p of objects) {
    const l = live.get(p.key);
    const fields = l ? driftedFields(p.body, l as Record<string, unknown>) : ["(deleted)"];
    if (fields.length) drifted.push({ object: p, fields });
  }
  return drifted;
}

/** "Deployment default/web: spec.replicas; ..." for the first five (what conditions and events say). */
export function describeDrift(drifted: DriftedObject[]): string {
  const where = (r: { namespace?: string; name: string }) => (r.namespace ? `${r.namespace}/${r.name}` : r.name);
  const head = drifted.slice(0, 5).map((d) => `${d.object.ref.kind} ${where(d.object.ref)}: ${d.fields.slice(0, 3).join(", ")}`).join("; ");
  return head + (drifted.length > 5 ? ` (and ${drifted.length - 5} more)` : "");
}
