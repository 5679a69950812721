// NodeReady: only nodes whose Ready condition is True take new pods, and a node the node
// lifecycle controller tainted not-ready or unreachable takes none (Kubernetes reaches the same
// through NoSchedule taints that pods do not tolerate).
import { nodeHealthReason } from "../../../api/corev1/node-health";
import { unschedulable, type FilterPlugin } from "../types";

export const nodeReady: FilterPlugin = {
  name: "NodeReady",
  filter(_pod, node) {
    const reason = nodeHealthReason(node.node);
    return reason ? unschedulable(reason) : undefined;
  },
};
