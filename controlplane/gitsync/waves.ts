// Sync waves, as Argo CD's: `gitops.kubelab.io/sync-wave: "<n>"` (Argo's
// `argocd.argoproj.io/sync-wave` is read too) puts an object in wave n (default 0, negatives
// allowed). A revision with several waves is applied wave by wave in ascending order, each wave
// only once every object of the waves before it is healthy (kstatus, health/); within a wave the
// kind order of plan.ts holds. A revision without the annotation is one wave, as before.
import type { SyncError } from "../../api/gitops";
import type { ApiClient } from "../../client";
import { applyAll, fetchLive, type ApplyResult, type LiveObject, type PreparedObject } from "./apply";
import type { UnchangedCheck } from "./changes";
import { aggregateHealth, objectHealth, type Health } from "./health";

export const WAVE_ANNOTATIONS = ["gitops.kubelab.io/sync-wave", "argocd.argoproj.io/sync-wave"] as const;

function waveValue(p: PreparedObject): string | undefined {
  const a = p.manifest.object.metadata.annotations ?? {};
  for (const k of WAVE_ANNOTATIONS) if (a[k] !== undefined) return a[k];
  return undefined;
}

/** Objects whose wave is not an integer, at their file and line. */
export function waveErrors(objects: PreparedObject[]): SyncError[] {
  const out: SyncError[] = [];
  for (const p of objects) {
    const v = waveValue(p);
    if (v !== undefined && !/^[+-]?\d{1,9}$/.test(v.trim())) {
      const line = p.manifest.fieldLine?.(["metadata", "annotations"]) ?? p.manifest.line;
      out.push({ file: p.manifest.file, line, apiVersion: p.ref.apiVersion, kind: p.ref.kind, ...(p.ref.namespace ? { namespace: p.ref.namespace } : {}), name: p.ref.name, reason: "InvalidSyncWave", message: `sync-wave ${JSON.stringify(v)} is not an integer` });
    }
  }
  return out;
}

/** The objects in waves, ascending: [[wave, objects], ...]. */
export function waves(objects: PreparedObject[]): Array<[number, PreparedObject[]]> {
  const by = new Map<number, PreparedObject[]>();
  for (const p of objects) {
    const n = Number.parseInt(waveValue(p)?.trim() ?? "0", 10) || 0;
    if (!by.has(n)) by.set(n, []);
    by.get(n)!.push(p);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]);
}

/** Applies the waves in order, each after the ones before it are healthy; stops at the first failure. */
export async function applyInWaves(client: ApiClient, objects: PreparedObject[], live: Map<string, LiveObject>, opts: WaveOptions): Promise<ApplyResult> {
  const list = waves(objects);
  if (list.length <= 1) return applyAll(client, objects, live, opts.concurrency, opts.signal, opts.unchanged);
  const total: ApplyResult = { applied: new Map(), created: 0, configured: 0, unchanged: 0, errors: [] };
  const done: PreparedObject[] = [];
  for (const [i, [n, wave]] of list.entries()) {
    if (i > 0) {
      const verdict = await waitHealthy(client, done, opts);
      if (verdict.status !== "Healthy" && verdict.status !== "Suspended") {
        const rest = list.slice(i).map(([w]) => w).join(", ");
        total.errors.push({ reason: "WaveNotHealthy", message: `wave ${rest.includes(",") ? "s " : ""}${rest} not applied: wave ${list[i - 1]![0]} is not healthy after ${opts.timeoutText}: ${verdict.message}` });
        break;
      }
    }
    const r = await applyAll(client, wave, live, opts.concurrency, opts.signal, opts.unchanged);
    for (const [k, v] of r.applied) {
      total.applied.set(k, v);
      live.set(k, v);
    }
    total.created += r.created;
    total.configured += r.configured;
    total.unchanged += r.unchanged;
    total.errors.push(...r.errors);
    if (r.errors.length) break;
    done.push(...wave);
    opts.onWave?.(n);
  }
  return total;
}

export interface WaveOptions {
  concurrency: number;
  signal?: AbortSignal;
  unchanged: UnchangedCheck;
  /** How long a wave may take to become healthy (spec.timeout). */
  timeoutMs: number;
  timeoutText: string;
  pollMs: number;
  onWave?: (wave: number) => void;
}

async function waitHealthy(client: ApiClient, objects: PreparedObject[], opts: WaveOptions): Promise<Health> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const live = await fetchLive(client, objects, opts.signal);
    const h = aggregateHealth(objects.map((p) => ({ ref: p.key, health: objectHealth(p.ref, live.get(p.key)) })));
    if (h.status === "Healthy" || h.status === "Suspended" || h.status === "Degraded" || Date.now() >= deadline || opts.signal?.aborted) return h;
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}
