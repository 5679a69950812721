// From the metrics' proposal to the replica count the HPA sets (Kubernetes'
// normalizeDesiredReplicasWithBehaviors): the stabilization window (the lowest recommendation of
// the scale-up window and the highest of the scale-down window bound the proposal), then the
// scaling policies (how many pods may be added or removed per period, counting the changes
// already made in it), then minReplicas/maxReplicas. Pure: the memory of past recommendations
// and scale events is passed in and changed, the time is an argument, and each step says why,
// for the AbleToScale and ScalingLimited conditions.
import type { HPAScalingRules } from "../../../api/autoscaling";

export interface Recommendation {
  replicas: number;
  atMs: number;
}

export interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

/** What the controller remembers of one HPA between syncs. */
export interface AutoscalerMemory {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
}

export interface Rules {
  scaleUp: HPAScalingRules & { stabilizationWindowSeconds: number };
  scaleDown: HPAScalingRules & { stabilizationWindowSeconds: number };
}

export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

export function newMemory(currentReplicas: number, nowMs: number): AutoscalerMemory {
  return { recommendations: [{ replicas: currentReplicas, atMs: nowMs }], up: [], down: [] };
}

/** Bounds the proposal by the recommendations of the windows and records it. */
export function stabilize(mem: AutoscalerMemory, rules: Rules, current: number, desired: number, nowMs: number): Limited {
  const upCutoff = nowMs - rules.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - rules.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  let oldIndex = -1;
  mem.recommendations.forEach((r, i) => {
    if (r.atMs > upCutoff) up = Math.min(up, r.replicas);
    if (r.atMs > downCutoff) down = Math.max(down, r.replicas);
    if (r.atMs < upCutoff && r.atMs < downCutoff) oldIndex = i;
  });
  let replicas = current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  if (oldIndex >= 0) mem.recommendations[oldIndex] = { replicas: desired, atMs: nowMs };
  else mem.recommendations.push({ replicas: desired, atMs: nowMs });
  return desired >= current
    ? { replicas, reason: "ScaleUpStabilized", message: "recent recommendations were lower than current one, applying the lowest recent recommendation" }
    : { replicas, reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" };
}

function changedInPeriod(events: ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.atMs > cutoff ? sum + e.change : sum), 0);
}

/** The most replicas the scale-up policies allow now. */
export function scaleUpLimit(current: number, mem: AutoscalerMemory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changedInPeriod(mem.up, p.periodSeconds, nowMs) + changedInPeriod(mem.down, p.periodSeconds, nowMs);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down policies allow now. */
export function scaleDownLimit(current: number, mem: AutoscalerMemory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changedInPeriod(mem.up, p.periodSeconds, nowMs) + changedInPeriod(mem.down, p.periodSeconds, nowMs);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The scaling policies and min/max applied to the stabilized recommendation. */
export function applyRateLimits(mem: AutoscalerMemory, rules: Rules, current: number, desired: number, min: number, max: number, nowMs: number): Limited {
  if (desired > current) {
    const limit = Math.max(current, scaleUpLimit(current, mem, rules.scaleUp, nowMs));
    const [allowed, reason, message] = max > limit
      ? [limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
      : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
    if (desired > allowed) return { replicas: allowed, reason, message };
  } else if (desired < current) {
    const limit = Math.min(current, scaleDownLimit(current, mem, rules.scaleDown, nowMs));
    const [allowed, reason, message] = min < limit
      ? [limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"]
      : [min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"];
    if (desired < allowed) return { replicas: allowed, reason, message };
  }
  return { replicas: desired, reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" };
}

function longestPeriod(rules: HPAScalingRules): number {
  return Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));
}

/** Remembers a rescale for the policies' periods (reusing an outdated slot, as Kubernetes does). */
export function recordScaleEvent(mem: AutoscalerMemory, rules: Rules, prev: number, next: number, nowMs: number): void {
  const up = next > prev;
  const events = up ? mem.up : mem.down;
  const cutoff = nowMs - longestPeriod(up ? rules.scaleUp : rules.scaleDown) * 1000;
  for (const e of events) if (e.atMs < cutoff) e.outdated = true;
  const event = { change: Math.abs(next - prev), atMs: nowMs, outdated: false };
  const slot = events.findIndex((e) => e.outdated);
  if (slot >= 0) events[slot] = event;
  else events.push(event);
}
