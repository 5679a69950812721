// NodeName: a pod that names a node (spec.nodeName set before scheduling, as in a Binding the
// user wrote) fits only that node.
import type { Node, Pod } from "../../../api/core";
import { unresolvable, type FilterPlugin } from "../types";

export const NODE_NAME_REASON = "node(s) didn't match the requested node name";

export function fitsNodeName(pod: Pod, nodeName: string): boolean {
  const wanted = pod.spec?.nodeName;
  return !wanted || wanted === nodeName;
}

export const nodeName: FilterPlugin = {
  name: "NodeName",
  // Only the named node joining can help.
  events: [{ resource: "Node", actions: ["Add"], hint: (pod, _old, node) => (fitsNodeName(pod, (node as Node).metadata?.name ?? "") ? "Queue" : "QueueSkip") }],
  filter(pod, node) {
    return fitsNodeName(pod.pod, node.name) ? undefined : unresolvable(NODE_NAME_REASON);
  },
};
