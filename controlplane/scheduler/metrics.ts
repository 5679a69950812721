// The scheduler's Prometheus metrics, with kube-scheduler's names:
// scheduler_schedule_attempts_total{result,profile} (scheduled, unschedulable, error),
// scheduler_scheduling_attempt_duration_seconds{result,profile} and
// scheduler_pending_pods{queue} (active, backoff, unschedulable, gated). One set per registry.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type AttemptResult = "scheduled" | "unschedulable" | "error";

/** What the pending-pods gauge asks a scheduler for when it is scraped. */
export interface PendingPods {
  active: number;
  backoff: number;
  unschedulable: number;
}

class SchedulerMetricSet {
  readonly attempts: Counter<"result" | "profile">;
  readonly duration: Histogram<"result" | "profile">;
  readonly sources = new Set<() => PendingPods>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.attempts = new Counter({
      name: "scheduler_schedule_attempts_total",
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ["result", "profile"],
      registers,
    });
    this.duration = new Histogram({
      name: "scheduler_scheduling_attempt_duration_seconds",
      help: "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
      labelNames: ["result", "profile"],
      buckets: Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
      registers,
    });
    const sources = this.sources;
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods; 'gated' means number of pods gated by scheduling gates.",
      labelNames: ["queue"],
      registers,
      collect() {
        const sum: PendingPods = { active: 0, backoff: 0, unschedulable: 0 };
        for (const source of sources) {
          const p = source();
          sum.active += p.active;
          sum.backoff += p.backoff;
          sum.unschedulable += p.unschedulable;
        }
        for (const [queue, n] of Object.entries(sum)) this.set({ queue }, n);
        this.set({ queue: "gated" }, 0);
      },
    });
  }
}

const perRegistry = new WeakMap<Registry, SchedulerMetricSet>();

/** One scheduler's view of the metrics: attempts under its profile, its queues in the gauge. */
export class SchedulerMetrics {
  private readonly set: SchedulerMetricSet;

  constructor(registry: Registry, private readonly profile: string, private readonly pending: () => PendingPods) {
    let set = perRegistry.get(registry);
    if (!set) perRegistry.set(registry, (set = new SchedulerMetricSet(registry)));
    this.set = set;
    set.sources.add(pending);
    for (const result of ["scheduled", "unschedulable", "error"] as const) set.attempts.inc({ result, profile }, 0);
  }

  /** One attempt ended with result; startedMs is when it began (performance.now()). */
  attempt(result: AttemptResult, startedMs: number): void {
    const labels = { result, profile: this.profile };
    this.set.attempts.inc(labels);
    this.set.duration.observe(labels, (performance.now() - startedMs) / 1000);
  }

  /** The scheduler stopped: its queues leave the pending-pods gauge. */
  close(): void {
    this.set.sources.delete(this.pending);
  }
}
