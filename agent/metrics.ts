// The agent's Prometheus metrics, in one Registry for the whole process, under the kubelet's own
// names where the kubelet has the metric (pkg/kubelet/metrics): running pods and containers, pod
// start and pod worker durations, PLEG relist durations, started containers and their errors,
// desired pods. What the kubelet has no name for keeps a kubelab_agent_ prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RuntimeContainer, RuntimeState } from "./runtime/docker";

export type ContainerType = "container" | "init_container" | "podsandbox";

/** What the gauges read at scrape time. */
export interface KubeletGauges {
  allRuntimeContainers(): RuntimeContainer[];
  desiredPods(): { static: number; api: number };
}

const STATES: RuntimeState[] = ["running", "exited", "created", "unknown"];

export class AgentMetrics {
  readonly registry = new Registry();
  readonly podWorkerDuration: Histogram<"operation_type">;
  readonly podStartDuration: Histogram;
  readonly plegRelistDuration: Histogram;
  readonly startedPods: Counter;
  readonly startedContainers: Counter<"container_type">;
  readonly startedContainersErrors: Counter<"container_type" | "code">;
  readonly syncErrors: Counter;
  readonly syncActions: Counter;
  readonly relistErrors: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Process metrics (CPU, RSS, event loop) as every Go binary has them, without the prefix.
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.podWorkerDuration = new Histogram({
      name: "kubelet_pod_worker_duration_seconds",
      help: "Duration in seconds to sync a single pod, by operation type (create, update, sync, kill).",
      labelNames: ["operation_type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.podStartDuration = new Histogram({
      name: "kubelet_pod_start_duration_seconds",
      help: "Duration in seconds from the agent seeing a pod for the first time to the pod running.",
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 300],
      registers,
    });
    this.plegRelistDuration = new Histogram({
      name: "kubelet_pleg_relist_duration_seconds",
      help: "Duration in seconds for relisting the containers in the PLEG.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.startedPods = new Counter({ name: "kubelet_started_pods_total", help: "Pod sandboxes started.", registers });
    this.startedContainers = new Counter({
      name: "kubelet_started_containers_total",
      help: "Containers started, by container_type (container, init_container, podsandbox).",
      labelNames: ["container_type"],
      registers,
    });
    this.startedContainersErrors = new Counter({
      name: "kubelet_started_containers_errors_total",
      help: "Containers that failed to start, by container_type and code (the waiting reason).",
      labelNames: ["container_type", "code"],
      registers,
    });
    this.syncErrors = new Counter({ name: "kubelab_agent_pod_sync_errors_total", help: "Pod worker syncs that failed (retried with back-off).", registers });
    this.syncActions = new Counter({ name: "kubelab_agent_pod_sync_actions_total", help: "Pod syncs that changed something in Docker.", registers });
    this.relistErrors = new Counter({ name: "kubelab_agent_relist_errors_total", help: "Docker relists (PLEG) that failed.", registers });
  }

  /** The gauges that are read from the kubelet when /metrics is scraped. */
  watch(kubelet: KubeletGauges): void {
    const registers = [this.registry];
    new Gauge({
      name: "kubelet_running_pods",
      help: "Number of pods that have a running pod sandbox.",
      registers,
      collect() {
        this.set(kubelet.allRuntimeContainers().filter((c) => c.isSandbox && c.state === "running").length);
      },
    });
    new Gauge({
      name: "kubelet_running_containers",
      help: "Number of containers currently running, by container_state.",
      labelNames: ["container_state"],
      registers,
      collect() {
        const counts = new Map<RuntimeState, number>(STATES.map((s) => [s, 0]));
        for (const c of kubelet.allRuntimeContainers()) if (!c.isSandbox) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ container_state: state }, n);
      },
    });
    new Gauge({
      name: "kubelet_desired_pods",
      help: "The number of pods the agent is being instructed to run; static is true for static pods.",
      labelNames: ["static"],
      registers,
      collect() {
        const desired = kubelet.desiredPods();
        this.set({ static: "true" }, desired.static);
        this.set({ static: "false" }, desired.api);
      },
    });
  }
}
