// NodeReady: only nodes whose Ready condition is True take new pods, and a node the node
// lifecycle controller tainted not-ready or unreachable takes none (Kubernetes reaches the same
// through NoSchedule taints that pods do not tolerate).
import type { Node } from "../../../api/core";
import { nodeHealthReason } from "../../../api/corev1/node-health";
import { unschedulable, type FilterPlugin, type QueueingHint } from "../types";

/** Queueing hint: a node that joins healthy, or becomes healthy, may take the pod. */
export function schedulableAfterNodeChange(_pod: unknown, oldNode: unknown, newNode: unknown): QueueingHint {
  if (nodeHealthReason(newNode as Node)) return "QueueSkip";
  return oldNode === undefined || nodeHealthReason(oldNode as Node) ? "Queue" : "QueueSkip";
}

export const nodeReady: FilterPlugin = {
  name: "NodeReady",
  events: [{ resource: "Node", actions: ["Add", "UpdateNodeCondition", "UpdateNodeTaint"], hint: schedulableAfterNodeChange }],
  filter(_pod, node) {
    return node.healthReason ? unschedulable(node.healthReason) : undefined;
  },
};
