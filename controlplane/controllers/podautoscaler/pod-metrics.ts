// What the replica calculation reads, from the API's objects: each target pod's phase, readiness
// and request of the resource, and each pod's usage from metrics.k8s.io (the sum over its
// containers, or the one container of a ContainerResource metric; a pod whose containers do not
// all report the resource has no metric, as Kubernetes' resource metrics client does). Pure.
import type { Pod } from "../../../api/core";
import type { PodMetrics } from "../../../api/metrics";
import { parseQuantity } from "../../../api/quantity";
import type { PodInfo, PodMetric } from "./replicas";

const milli = (q: string | number | undefined): number | undefined => {
  if (q === undefined) return undefined;
  try {
    return Math.round(parseQuantity(q) * 1000);
  } catch {
    return undefined;
  }
};

/** A Go duration of metrics-server's window ("15.012s", "1m0s", "500ms") in ms. */
export function windowMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)(h|m(?!s)|s|ms)/g)) {
    const v = Number(n);
    total += unit === "h" ? v * 3_600_000 : unit === "m" ? v * 60_000 : unit === "s" ? v * 1000 : v;
  }
  return total;
}

export function podInfo(pod: Pod, resource: string, container?: string): PodInfo {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  let request: PodInfo["request"] = 0;
  for (const c of pod.spec.containers) {
    if (container && c.name !== container) continue;
    const r = milli(c.resources?.requests?.[resource]);
    if (r === undefined) {
      request = { missingIn: c.name };
      break;
    }
    request += r;
  }
  return {
    name: pod.metadata.name!,
    phase: pod.status?.phase ?? "Pending",
    deleting: Boolean(pod.metadata.deletionTimestamp),
    ready: ready ? { status: ready.status, lastTransitionMs: Date.parse(ready.lastTransitionTime ?? "") || 0 } : undefined,
    startMs: pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined,
    request,
  };
}

export function podMetricMap(items: PodMetrics[], resource: string, container?: string): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>();
  for (const m of items) {
    let value = 0;
    let complete = container ? m.containers.some((c) => c.name === container) : m.containers.length > 0;
    for (const c of m.containers) {
      if (container && c.name !== container) continue;
      const v = milli(c.usage[resource]);
      if (v === undefined) complete = false;
      else value += v;
    }
    if (complete) out.set(m.metadata.name!, { value, timestampMs: Date.parse(m.timestamp) || 0, windowMs: windowMs(m.window) });
  }
  return out;
}
