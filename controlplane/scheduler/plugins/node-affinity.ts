// NodeAffinity: spec.nodeSelector (every label must match) and the required node affinity (any
// term matches; within a term every expression and field must).
import { matchesNodeSelectorAndAffinity } from "../../../api/corev1/node-affinity";
import { unresolvable, type FilterPlugin } from "../types";


export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";

export const nodeAffinity: FilterPlugin = {
  name: "NodeAffinity",
  filter(pod, node) {
    return matchesNodeSelectorAndAffinity(pod.pod, node.node) ? undefined : unresolvable(NODE_AFFINITY_REASON);
  },
};
