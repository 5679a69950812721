// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
// them. Whether a toleration matches a taint is the API's rule (api/corev1/scheduling.ts).
import type { Taint, Toleration } from "../../../api/core";
import { tolerationsTolerateTaint } from "../../../api/corev1/scheduling";
import { unresolvable, type FilterPlugin } from "../types";

export function untoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !tolerationsTolerateTaint(tolerations, taint));
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
