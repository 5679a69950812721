// NodeResourcesLeastAllocated (score): prefer nodes with the most room left after placing the
// pod, cpu and memory weighted equally; pods without requests count with the non-zero defaults.
import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type ScorePlugin } from "../types";

function fraction(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) / capacity;
}

export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = fraction(node.nonZeroRequested.milliCPU + pod.nonZeroRequests.milliCPU, node.allocatable.milliCPU);
  const mem = fraction(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return Math.floor(((cpu + mem) / 2) * MAX_NODE_SCORE);
}

export const leastAllocated: ScorePlugin = { name: "NodeResourcesLeastAllocated", weight: 1, score: leastAllocatedScore };
