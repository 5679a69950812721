// git-sync's Prometheus metrics, on the process registry given to startGitSync({ metrics }):
//   gitsync_reconcile_total{result}            runs by outcome (Applied, Unchanged, Invalid, ...)
//   gitsync_reconcile_duration_seconds{result} time per run
//   gitsync_api_writes_total{operation}        writes to the API server (apply, delete, status)
//   gitsync_revision_api_writes                writes per applied revision (objects + status)
// Flux calls its run time gotk_reconcile_duration_seconds with the object's kind, name and
// namespace as labels; ours keep to bounded labels (no per-repository series), with a gitsync_
// prefix as Flux uses gotk_. The controller's own controller_runtime_* and workqueue_* metrics
// come from runController on the same registry.
import { Counter, Histogram, type Registry } from "prom-client";

export type WriteOperation = "apply" | "delete" | "status";

export interface GitSyncMetrics {
  reconciled(result: string, seconds: number): void;
  wrote(operation: WriteOperation, count?: number): void;
  revisionWrites(count: number): void;
}

/** Records nothing (no registry given). */
export const noMetrics: GitSyncMetrics = { reconciled: () => {}, wrote: () => {}, revisionWrites: () => {} };

export function gitSyncMetrics(registry: Registry | undefined): GitSyncMetrics {
  if (!registry) return noMetrics;
  // A second git-sync on the same registry (tests, a restart in-process) shares the series.
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const total =
    existing<Counter<"result">>("gitsync_reconcile_total") ??
    new Counter({ name: "gitsync_reconcile_total", help: "git-sync runs by result.", labelNames: ["result"], registers: [registry] });
  const duration =
    existing<Histogram<"result">>("gitsync_reconcile_duration_seconds") ??
    new Histogram({
      name: "gitsync_reconcile_duration_seconds",
      help: "Time per git-sync run, by result.",
      labelNames: ["result"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    });
  const writes =
    existing<Counter<"operation">>("gitsync_api_writes_total") ??
    new Counter({ name: "gitsync_api_writes_total", help: "Writes git-sync sent to the API server, by operation.", labelNames: ["operation"], registers: [registry] });
  const perRevision =
    existing<Histogram>("gitsync_revision_api_writes") ??
    new Histogram({
      name: "gitsync_revision_api_writes",
      help: "API writes per applied revision: objects created, changed and pruned, and status writes.",
      buckets: [1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000],
      registers: [registry],
    });
  return {
    revisionWrites: (count) => perRevision.observe(count),
    reconciled: (result, seconds) => {
      total.inc({ result });
      duration.observe({ result }, seconds);
    },
    wrote: (operation, count = 1) => {
      if (count > 0) writes.inc({ operation }, count);
    },
  };
}
