// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
// them. Whether a toleration matches a taint is the API's rule (api/corev1/scheduling.ts).
import type { Node, Pod, Taint, Toleration } from "../../../api/core";
import { tolerationsTolerateTaint } from "../../../api/corev1/scheduling";
import { unresolvable, type FilterPlugin, type QueueingHint } from "../types";

export function untoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !tolerationsTolerateTaint(tolerations, taint));
}

export function taintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

const FILTERED_EFFECTS = ["NoSchedule", "NoExecute"];

/** Queueing hint: a node whose taints the pod tolerates now, and did not before (or is new). */
export function schedulableAfterNodeChange(pod: Pod, oldNode: unknown, newNode: unknown): QueueingHint {
  const tolerations = pod.spec?.tolerations;
  if (untoleratedTaint((newNode as Node).spec?.taints, tolerations, FILTERED_EFFECTS)) return "QueueSkip";
  if (oldNode === undefined) return "Queue";
  return untoleratedTaint((oldNode as Node).spec?.taints, tolerations, FILTERED_EFFECTS) ? "Queue" : "QueueSkip";
}

export const taintToleration: FilterPlugin = {
  name: "TaintToleration",
  events: [{ resource: "Node", actions: ["Add", "UpdateNodeTaint"], hint: schedulableAfterNodeChange }],
  filter(pod, node) {
    const taint = untoleratedTaint(node.node.spec?.taints, pod.pod.spec?.tolerations, FILTERED_EFFECTS);
    return taint ? unresolvable(taintReason(taint)) : undefined;
  },
};
