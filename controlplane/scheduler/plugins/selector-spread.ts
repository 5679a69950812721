// SelectorSpread (score): spread the replicas of one workload (pods with the same controller
// owner) across nodes: the fewer siblings a node already has compared with the most loaded
// candidate, the higher its score.
import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type ScorePlugin } from "../types";

/** Raw score: siblings already on the node (lower is better until normalized). */
export function siblingsOnNode(pod: PodInfo, node: NodeInfo): number {
  return pod.ownerUid ? (node.ownerCounts.get(pod.ownerUid) ?? 0) : 0;
}

/** Maps sibling counts to 0..100: 100 for the emptiest nodes, 0 for the fullest. */
export function normalizeSpread(counts: number[]): void {
  let max = 0;
  for (const c of counts) if (c > max) max = c;
  for (let i = 0; i < counts.length; i++) counts[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max - counts[i]!)) / max);
}

export const selectorSpread: ScorePlugin = { name: "SelectorSpread", weight: 2, score: siblingsOnNode, normalize: normalizeSpread };
