// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
// them. Shared with the node lifecycle controller (tolerationSeconds for NoExecute eviction).
import type { Taint, Toleration } from "../../../api/core";
import { unresolvable, type FilterPlugin } from "../types";

/** Does toleration t tolerate taint? (empty key with Exists tolerates everything; empty effect any effect) */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== "Exists") return false;
  const op = t.operator ?? "Equal";
  if (op === "Exists") return true;
  if (op === "Equal") return (t.value ?? "") === (taint.value ?? "");
  return false;
}

export function untoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

export function taintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

export const taintToleration: FilterPlugin = {
  name: "TaintToleration",
  filter(pod, node) {
    const taint = untoleratedTaint(node.node.spec?.taints, pod.pod.spec?.tolerations, ["NoSchedule", "NoExecute"]);
    return taint ? unresolvable(taintReason(taint)) : undefined;
  },
};
