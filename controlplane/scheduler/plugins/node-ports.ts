// NodePorts: a pod asking for a host port fits only nodes where that port (protocol, IP) is free.
import type { Pod } from "../../../api/core";
import { newPodInfo, portInUse } from "../node-info";
import { unschedulable, type FilterPlugin, type PodInfo, type QueueingHint } from "../types";

export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";

const conflict = (a: PodInfo["hostPorts"][number], b: PodInfo["hostPorts"][number]) =>
  a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIP === b.hostIP || a.hostIP === "0.0.0.0" || b.hostIP === "0.0.0.0");

/** Queueing hint: a bound pod that went away frees a host port only if it held one this pod wants. */
export function schedulableAfterPodDeleted(pod: Pod, deleted: unknown): QueueingHint {
  const wanted = newPodInfo(pod).hostPorts;
  const held = newPodInfo(deleted as Pod).hostPorts;
  return wanted.some((w) => held.some((h) => conflict(w, h))) ? "Queue" : "QueueSkip";
}

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  events: [
    { resource: "Pod", actions: ["Delete"], hint: schedulableAfterPodDeleted },
    { resource: "Node", actions: ["Add"] },
  ],
  filter(pod, node) {
    return pod.hostPorts.some((p) => portInUse(node, p)) ? unschedulable(NODE_PORTS_REASON) : undefined;
  },
};
