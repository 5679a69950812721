// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Node, Toleration } from "../../../api/core";
import { unresolvable, type FilterPlugin, type QueueingHint } from "../types";
import { toleratesTaint } from "../../../api/corev1/scheduling";

export const NODE_UNSCHEDULABLE_REASON = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export function toleratesUnschedulable(tolerations: Toleration[] | undefined): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
}

/** Queueing hint: a node that joins uncordoned, or is uncordoned, may take the pod. */
export function schedulableAfterNodeChange(_pod: unknown, oldNode: unknown, newNode: unknown): QueueingHint {
  const was = (oldNode as Node | undefined)?.spec?.unschedulable;
  const is = (newNode as Node | undefined)?.spec?.unschedulable;
  return !is && (oldNode === undefined || was) ? "Queue" : "QueueSkip";
}

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  events: [{ resource: "Node", actions: ["Add", "UpdateNodeTaint"], hint: schedulableAfterNodeChange }],
  filter(pod, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    if (toleratesUnschedulable(pod.pod.spec?.tolerations)) return undefined;
    return unresolvable(NODE_UNSCHEDULABLE_REASON);
  },
};
