// NodeResourcesFit: the pod's requests must fit into the node's allocatable minus what the pods
// already there request; one reason per resource that is short.
import type { Node, Pod } from "../../../api/core";
import { nodeAllocatable, podRequests } from "../resources";
import type { NodeInfo, QueueingHint, Resources } from "../types";
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

const NOTHING: Resources = { milliCPU: 0, memory: 0, pods: 0 };

/**
 * Queueing hint: a node that joins, or whose allocatable grew, helps only if the pod's requests
 * fit into it when empty (a pod too big for any such node waits for one that is big enough).
 */
export function schedulableAfterNodeChange(pod: Pod, oldNode: unknown, newNode: unknown): QueueingHint {
  const allocatable = nodeAllocatable(newNode as Node);
  if (insufficientResources(podRequests(pod), { allocatable, requested: NOTHING }).length > 0) return "QueueSkip";
  if (oldNode === undefined) return "Queue";
  const before = nodeAllocatable(oldNode as Node);
  return allocatable.milliCPU > before.milliCPU || allocatable.memory > before.memory || allocatable.pods > before.pods ? "Queue" : "QueueSkip";
}

export const nodeResourcesFit: FilterPlugin = {
  name: "NodeResourcesFit",
  // A bound pod deleted (or finished) frees its requests and its pod slot.
  events: [
    { resource: "Pod", actions: ["Delete"] },
    { resource: "Node", actions: ["Add", "UpdateNodeAllocatable"], hint: schedulableAfterNodeChange },
  ],
  filter(pod, node) {
    const reasons = insufficientResources(pod.requests, node);
    return reasons.length ? unschedulable(...reasons) : undefined;
  },
};
