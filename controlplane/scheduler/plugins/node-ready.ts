// NodeReady: only nodes whose Ready condition is True take new pods, and a node the node
// lifecycle controller tainted not-ready or unreachable takes none (Kubernetes reaches the same
// through NoSchedule taints that pods do not tolerate).
import type { Node } from "../../../api/core";
import { unschedulable, type FilterPlugin } from "../types";

export const NODE_NOT_READY_REASON = "node(s) were not ready";
export const NODE_UNREACHABLE_REASON = "node(s) were unreachable";

export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

/** The reason a node cannot take pods because of its health, or undefined when it is Ready. */
export function nodeHealthReason(node: Node): string | undefined {
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === UNREACHABLE_TAINT)) return NODE_UNREACHABLE_REASON;
  if (taints.some((t) => t.key === NOT_READY_TAINT)) return NODE_NOT_READY_REASON;
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "Unknown") return NODE_UNREACHABLE_REASON;
  if (ready?.status !== "True") return NODE_NOT_READY_REASON;
  return undefined;
}

export const nodeReady: FilterPlugin = {
  name: "NodeReady",
  filter(_pod, node) {
    const reason = nodeHealthReason(node.node);
    return reason ? unschedulable(reason) : undefined;
  },
};
