// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Toleration } from "../../../api/core";
import { unresolvable, type FilterPlugin } from "../types";
import { toleratesTaint } from "../../../api/corev1/scheduling";

export const NODE_UNSCHEDULABLE_REASON = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export function toleratesUnschedulable(tolerations: Toleration[] | undefined): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
}

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  filter(pod, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    if (toleratesUnschedulable(pod.pod.spec?.tolerations)) return undefined;
    return unresolvable(NODE_UNSCHEDULABLE_REASON);
  },
};
