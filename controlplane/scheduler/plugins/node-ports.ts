// NodePorts: a pod asking for a host port fits only nodes where that port (protocol, IP) is free.
import { portInUse } from "../node-info";
import { unschedulable, type FilterPlugin } from "../types";

export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  filter(pod, node) {
    return pod.hostPorts.some((p) => portInUse(node, p)) ? unschedulable(NODE_PORTS_REASON) : undefined;
  },
};
