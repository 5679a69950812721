// Prometheus metrics of the client runtime, with the names Kubernetes gives them:
// - work queues (client-go's workqueue metrics, label `name`): workqueue_depth,
//   workqueue_adds_total, workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
//   workqueue_unfinished_work_seconds, workqueue_longest_running_processor_seconds,
//   workqueue_retries_total;
// - reconcilers (controller-runtime's, label `controller`): controller_runtime_reconcile_total
//   {controller,result}, controller_runtime_reconcile_errors_total,
//   controller_runtime_reconcile_time_seconds, controller_runtime_active_workers,
//   controller_runtime_max_concurrent_reconciles.
// One set per prom-client Registry. A process has one registry: its entry point makes it and
// passes it down (runController instruments its queue with it).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** client-go's buckets for queue and work durations: 10 ns to 10 s, by tens. */
const DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** What a WorkQueue reports; every method is cheap and never throws. */
export interface QueueMetrics {
  add(key: string): void;
  get(key: string): void;
  done(key: string): void;
  retry(): void;
  /** The queue shut down: stop reporting its in-flight work. */
  stop(): void;
}

interface QueueState {
  name: string;
  now: () => number;
  processing: Map<string, number>;
}

class WorkQueueMetrics {
  private readonly depth: Gauge<"name">;
  private readonly adds: Counter<"name">;
  private readonly queueLatency: Histogram<"name">;
  private readonly workDuration: Histogram<"name">;
  private readonly retries: Counter<"name">;
  private readonly queues = new Set<QueueState>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ["name"] as const;
    this.depth = new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames, registers });
    this.adds = new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames, registers });
    this.queueLatency = new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested.", labelNames, buckets: DURATION_BUCKETS, registers });
    this.workDuration = new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.", labelNames, buckets: DURATION_BUCKETS, registers });
    this.retries = new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames, registers });
    const queues = this.queues;
    const perQueue = (fn: (q: QueueState, now: number) => number) =>
      function (this: Gauge<"name">) {
        for (const q of queues) this.set({ name: q.name }, fn(q, q.now()));
      };
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames,
      registers,
      collect: perQueue((q, now) => [...q.processing.values()].reduce((sum, start) => sum + (now - start) / 1000, 0)),
    });
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames,
      registers,
      collect: perQueue((q, now) => Math.max(0, ...[...q.processing.values()].map((start) => (now - start) / 1000))),
    });
  }

  forQueue(name: string, now: () => number): QueueMetrics {
    const state: QueueState = { name, now, processing: new Map() };
    const added = new Map<string, number>();
    // Label children bound once: these run on every add, get and done.
    const depth = this.depth.labels(name);
    const adds = this.adds.labels(name);
    const retries = this.retries.labels(name);
    const queueLatency = this.queueLatency.labels(name);
    const workDuration = this.workDuration.labels(name);
    this.queues.add(state);
    depth.set(0);
    adds.inc(0);
    retries.inc(0);
    return {
      add: (key) => {
        adds.inc();
        depth.inc();
        if (!added.has(key)) added.set(key, now());
      },
      get: (key) => {
        depth.dec();
        const at = added.get(key);
        if (at !== undefined) queueLatency.observe((now() - at) / 1000);
        added.delete(key);
        state.processing.set(key, now());
      },
      done: (key) => {
        const start = state.processing.get(key);
        if (start !== undefined) workDuration.observe((now() - start) / 1000);
        state.processing.delete(key);
      },
      retry: () => retries.inc(),
      stop: () => {
        this.queues.delete(state);
        depth.set(0);
      },
    };
  }
}

export type ReconcileResult = "success" | "requeue" | "requeue_after" | "error" | "terminal_error";
const RESULTS: ReconcileResult[] = ["success", "requeue", "requeue_after", "error", "terminal_error"];

export class ControllerMetrics {
  private readonly total: Counter<"controller" | "result">;
  private readonly errors: Counter<"controller">;
  private readonly time: Histogram<"controller">;
  private readonly activeWorkers: Gauge<"controller">;
  private readonly maxConcurrent: Gauge<"controller">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.total = new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller", labelNames: ["controller", "result"], registers });
    this.errors = new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labelNames: ["controller"], registers });
    this.time = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60],
      registers,
    });
    this.activeWorkers = new Gauge({ name: "controller_runtime_active_workers", help: "Number of currently used workers per controller", labelNames: ["controller"], registers });
    this.maxConcurrent = new Gauge({ name: "controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller", labelNames: ["controller"], registers });
  }

  /** A controller starts: its series appear at zero, as controller-runtime initializes them. */
  started(controller: string, workers: number): void {
    for (const result of RESULTS) this.total.inc({ controller, result }, 0);
    this.errors.inc({ controller }, 0);
    this.maxConcurrent.set({ controller }, workers);
    this.activeWorkers.set({ controller }, 0);
  }

  worker(controller: string, delta: 1 | -1): void {
    this.activeWorkers.inc({ controller }, delta);
  }

  observe(controller: string, result: ReconcileResult, durationMs: number): void {
    this.total.inc({ controller, result });
    if (result === "error" || result === "terminal_error") this.errors.inc({ controller });
    this.time.observe({ controller }, durationMs / 1000);
  }
}

const queueMetrics = new WeakMap<Registry, WorkQueueMetrics>();
const controllerMetricsOf = new WeakMap<Registry, ControllerMetrics>();

/** The work queue metrics of a queue named `name` in registry (metric names are unique per registry). */
export function workQueueMetrics(registry: Registry, name: string, now: () => number): QueueMetrics {
  let m = queueMetrics.get(registry);
  if (!m) queueMetrics.set(registry, (m = new WorkQueueMetrics(registry)));
  return m.forQueue(name, now);
}

/** The ControllerMetrics of a registry, created on first use. */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  let m = controllerMetricsOf.get(registry);
  if (!m) controllerMetricsOf.set(registry, (m = new ControllerMetrics(registry)));
  return m;
}
