// Prometheus metrics for controllers and work queues, named as controller-runtime and client-go
// name them: controller_runtime_reconcile_total{controller,result},
// controller_runtime_reconcile_errors_total{controller}, controller_runtime_reconcile_time_seconds,
// workqueue_depth{name}, workqueue_delayed{name}. One set per prom-client Registry.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ReconcileOutcome } from "./controller";
import type { WorkQueue } from "./workqueue";

export class ControllerMetrics {
  private readonly reconcileTotal: Counter<"controller" | "result">;
  private readonly reconcileErrors: Counter<"controller">;
  private readonly reconcileTime: Histogram<"controller">;
  private readonly queues = new Set<WorkQueue>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Reconciliations per controller and result (success, requeue, requeue_after, error, terminal_error).",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Reconciliations that returned an error.",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Time per reconciliation.",
      labelNames: ["controller"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const queues = this.queues;
    new Gauge({
      name: "workqueue_depth",
      help: "Keys waiting in the work queue.",
      labelNames: ["name"],
      registers,
      collect() {
        this.reset();
        for (const q of queues) this.set({ name: q.name }, q.len());
      },
    });
    new Gauge({
      name: "workqueue_delayed",
      help: "Keys waiting for a delay (requeue after, backoff) before entering the queue.",
      labelNames: ["name"],
      registers,
      collect() {
        this.reset();
        for (const q of queues) this.set({ name: q.name }, q.delayed());
      },
    });
  }

  observe(outcome: ReconcileOutcome): void {
    this.reconcileTotal.inc({ controller: outcome.controller, result: outcome.result });
    if (outcome.result === "error" || outcome.result === "terminal_error") this.reconcileErrors.inc({ controller: outcome.controller });
    this.reconcileTime.observe({ controller: outcome.controller }, outcome.durationMs / 1000);
  }

  trackQueue(queue: WorkQueue): void {
    this.queues.add(queue);
  }

  untrackQueue(queue: WorkQueue): void {
    this.queues.delete(queue);
  }
}

const perRegistry = new WeakMap<Registry, ControllerMetrics>();

/** The ControllerMetrics of a registry, created on first use (metric names are unique per registry). */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  let m = perRegistry.get(registry);
  if (!m) perRegistry.set(registry, (m = new ControllerMetrics(registry)));
  return m;
}
