// The replica calculation of Kubernetes' HPA (pkg/controller/podautoscaler/replica_calculator.go),
// as pure functions of the pods, their metrics and the target: pods being deleted or failed are
// ignored, pending and (for CPU) not-yet-ready pods are "unready", pods without a metric are
// "missing"; within the tolerance (10 %) nothing changes; on a scale-down missing pods count as
// using their whole request, on a scale-up as using nothing, and unready pods as using nothing,
// and a change that this flips to the other direction is dropped. Values are milli-units
// (millicores, milli-bytes) as Kubernetes' MilliValue, so utilization is unit-free.

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
export const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodInfo {
  name: string;
  phase: string;
  deleting: boolean;
  /** The Ready condition, if the pod has one. */
  ready?: { status: string; lastTransitionMs: number };
  startMs?: number;
  /** Sum of the containers' requests of the resource (milli); a container without one: its name. */
  request: number | { missingIn: string };
}

export interface PodMetric {
  value: number;
  timestampMs: number;
  windowMs: number;
}

export type ReplicaTarget = { type: "Utilization"; averageUtilization: number } | { type: "AverageValue"; averageValue: number };

export interface ReplicaInput {
  currentReplicas: number;
  resource: string;
  target: ReplicaTarget;
  pods: PodInfo[];
  metrics: Map<string, PodMetric>;
  nowMs: number;
  tolerance?: number;
}

export interface ReplicaOutcome {
  replicas: number;
  /** Utilization targets: the average utilization in percent of the requests. */
  utilization?: number;
  /** The average usage per pod (milli). */
  averageValue: number;
  timestampMs: number;
}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function cpuUnready(pod: PodInfo, m: PodMetric, nowMs: number): boolean {
  if (!pod.ready || pod.startMs === undefined) return true;
  if (pod.startMs + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
    // Within the initialization period: not ready, or no whole window of samples since it became so.
    return pod.ready.status === "False" || m.timestampMs < pod.ready.lastTransitionMs + m.windowMs;
  }
  // Afterwards only a pod that never became ready is left out.
  return pod.ready.status === "False" && pod.startMs + INITIAL_READINESS_DELAY_MS > pod.ready.lastTransitionMs;
}

export function groupPods(pods: PodInfo[], metrics: Map<string, PodMetric>, resource: string, nowMs: number): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === "Failed") g.ignored.add(pod.name);
    else if (pod.phase === "Pending") g.unready.add(pod.name);
    else if (!metrics.has(pod.name)) g.missing.add(pod.name);
    else if (resource === "cpu" && cpuUnready(pod, metrics.get(pod.name)!, nowMs)) g.unready.add(pod.name);
    else g.ready++;
  }
  return g;
}

/** Usage over target: for Utilization the summed usage over the summed requests of pods with a metric. */
function usageRatio(metrics: Map<string, number>, requests: Map<string, number>, target: ReplicaTarget): { ratio: number; utilization?: number; average: number } {
  if (target.type === "AverageValue") {
    let total = 0;
    for (const v of metrics.values()) total += v;
    const average = metrics.size ? total / metrics.size : 0;
    return { ratio: average / target.averageValue, average: Math.trunc(average) };
  }
  let total = 0;
  let requested = 0;
  let n = 0;
  for (const [name, v] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    total += v;
    requested += r;
    n++;
  }
  if (requested === 0) throw new Error("no metrics returned matched known pods");
  const utilization = Math.trunc((total * 100) / requested);
  return { ratio: utilization / target.averageUtilization, utilization, average: Math.trunc(total / n) };
}

/** Replicas for one resource metric; throws with Kubernetes' messages when it cannot say. */
export function resourceReplicas(input: ReplicaInput): ReplicaOutcome {
  const { pods, target, currentReplicas } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (pods.length === 0) throw new Error("no pods returned by selector while calculating replica count");
  const g = groupPods(pods, input.metrics, input.resource, input.nowMs);
  const requests = new Map<string, number>();
  if (target.type === "Utilization") {
    for (const p of pods) {
      if (typeof p.request !== "number") throw new Error(`missing request for ${input.resource} in container ${p.request.missingIn} of Pod ${p.name}`);
      requests.set(p.name, p.request);
    }
  }
  const usable = new Map<string, number>();
  let timestampMs = 0;
  for (const [name, m] of input.metrics) {
    if (g.ignored.has(name) || g.unready.has(name) || !pods.some((p) => p.name === name)) continue;
    usable.set(name, m.value);
    timestampMs = Math.max(timestampMs, m.timestampMs);
  }
  if (usable.size === 0) throw new Error("did not receive metrics for targeted pods (pods might be unready)");
  const first = usageRatio(usable, requests, target);
  const out = { utilization: first.utilization, averageValue: first.average, timestampMs };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return { replicas: currentReplicas, ...out };
    return { replicas: Math.ceil(first.ratio * g.ready), ...out };
  }
  for (const name of g.missing) {
    if (first.ratio < 1) {
      usable.set(name, target.type === "Utilization" ? (requests.get(name)! * Math.max(100, target.averageUtilization)) / 100 : target.averageValue);
    } else if (first.ratio > 1) usable.set(name, 0);
  }
  if (scaleUpWithUnready) for (const name of g.unready) usable.set(name, 0);
  const next = usageRatio(usable, requests, target).ratio;
  if (Math.abs(1 - next) <= tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return { replicas: currentReplicas, ...out };
  const replicas = Math.ceil(next * usable.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, ...out };
  return { replicas, ...out };
}

/** A milli-value as resource.NewMilliQuantity(v, DecimalSI).String() prints it ("250m", "5M"). */
export function milliQuantity(milli: number): string {
  const v = Math.round(milli);
  if (v % 1000 !== 0) return `${v}m`;
  let n = v / 1000;
  const suffixes = ["", "k", "M", "G", "T", "P", "E"];
  let i = 0;
  while (n !== 0 && n % 1000 === 0 && i < suffixes.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n}${suffixes[i]}`;
}
