// NodeAffinity: spec.nodeSelector (every label must match) and the required node affinity (any
// term matches; within a term every expression and field must).
import type { Node, Pod } from "../../../api/core";
import { matchesNodeSelectorAndAffinity } from "../../../api/corev1/node-affinity";
import { unresolvable, type FilterPlugin, type QueueingHint } from "../types";

export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";

/** Queueing hint: a node that matches the pod's selector and affinity now, and did not before (or is new). */
export function schedulableAfterNodeChange(pod: Pod, oldNode: unknown, newNode: unknown): QueueingHint {
  if (!matchesNodeSelectorAndAffinity(pod, newNode as Node)) return "QueueSkip";
  return oldNode === undefined || !matchesNodeSelectorAndAffinity(pod, oldNode as Node) ? "Queue" : "QueueSkip";
}

export const nodeAffinity: FilterPlugin = {
  name: "NodeAffinity",
  events: [{ resource: "Node", actions: ["Add", "UpdateNodeLabel"], hint: schedulableAfterNodeChange }],
  filter(pod, node) {
    return matchesNodeSelectorAndAffinity(pod.pod, node.node) ? undefined : unresolvable(NODE_AFFINITY_REASON);
  },
};
