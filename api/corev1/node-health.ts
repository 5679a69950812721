// Whether a node can take new pods by its health: Ready condition True and no not-ready or
// unreachable taint from the node lifecycle controller. One definition for the scheduler's
// NodeReady plugin and the DaemonSet controller (which treats such a node as NoSchedule-tainted,
// as Kubernetes' TaintNodesByCondition would have tainted it).
import type { Node } from "./node";

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

