// NodeResourcesFit: the pod's requests must fit into the node's allocatable minus what the pods
// already there request; one reason per resource that is short.
import type { NodeInfo, Resources } from "../types";
import { unschedulable, type FilterPlugin } from "../types";

export const TOO_MANY_PODS_REASON = "Too many pods";
export const INSUFFICIENT_CPU_REASON = "Insufficient cpu";
export const INSUFFICIENT_MEMORY_REASON = "Insufficient memory";

/** The reasons the requests do not fit (empty when they do). */
export function insufficientResources(requests: Resources, node: Pick<NodeInfo, "allocatable" | "requested">): string[] {
  const out: string[] = [];
  const { allocatable: a, requested: r } = node;
  if (r.pods + 1 > a.pods) out.push(TOO_MANY_PODS_REASON);
  if (requests.milliCPU > 0 && r.milliCPU + requests.milliCPU > a.milliCPU) out.push(INSUFFICIENT_CPU_REASON);
  if (requests.memory > 0 && r.memory + requests.memory > a.memory) out.push(INSUFFICIENT_MEMORY_REASON);
  return out;
}

export const nodeResourcesFit: FilterPlugin = {
  name: "NodeResourcesFit",
  filter(pod, node) {
    const reasons = insufficientResources(pod.requests, node);
    return reasons.length ? unschedulable(...reasons) : undefined;
  },
};
