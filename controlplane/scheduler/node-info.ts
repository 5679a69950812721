// NodeInfo bookkeeping: a node with the sums of what its pods request, their host ports and their
// owners, updated incrementally as pods are added (bound or assumed) and removed.
import type { Node, Pod } from "../../api/core";
import { nodeHealthReason } from "../../api/corev1/node-health";
import { podClaimNames } from "../../api/storage-binding";
import { nodeAllocatable, nonZeroRequests, podRequests } from "./resources";
import type { NodeInfo, PodInfo } from "./types";

export function newPodInfo(pod: Pod): PodInfo {
  const hostPorts: PodInfo["hostPorts"] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) hostPorts.push({ protocol: p.protocol ?? "TCP", hostIP: p.hostIP || "0.0.0.0", hostPort: p.hostPort });
    }
  }
  const refs = pod.metadata?.ownerReferences ?? [];
  const owner = refs.find((r) => r.controller);
  return { pod, requests: podRequests(pod), nonZeroRequests: nonZeroRequests(pod), hostPorts, ownerUid: owner?.uid, claimNames: podClaimNames(pod) };
}

export function newNodeInfo(node: Node): NodeInfo {
  return {
    node,
    name: node.metadata?.name ?? "",
    healthReason: nodeHealthReason(node),
    allocatable: nodeAllocatable(node),
    requested: { milliCPU: 0, memory: 0, pods: 0 },
    nonZeroRequested: { milliCPU: 0, memory: 0 },
    usedPorts: new Map(),
    ownerCounts: new Map(),
  };
}

export function setNode(info: NodeInfo, node: Node): void {
  info.node = node;
  info.name = node.metadata?.name ?? "";
  info.healthReason = nodeHealthReason(node);
  info.allocatable = nodeAllocatable(node);
}

const portKey = (p: PodInfo["hostPorts"][number]) => `${p.protocol}/${p.hostIP}/${p.hostPort}`;

/** Adds (sign 1) or removes (sign -1) a pod's usage. */
export function accountPod(info: NodeInfo, pod: PodInfo, sign: 1 | -1): void {
  info.requested.milliCPU += sign * pod.requests.milliCPU;
  info.requested.memory += sign * pod.requests.memory;
  info.requested.pods += sign;
  info.nonZeroRequested.milliCPU += sign * pod.nonZeroRequests.milliCPU;
  info.nonZeroRequested.memory += sign * pod.nonZeroRequests.memory;
  for (const p of pod.hostPorts) bump(info.usedPorts, portKey(p), sign);
  if (pod.ownerUid) bump(info.ownerCounts, pod.ownerUid, sign);
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}

/** Is this host port (or a wildcard-IP one of the same protocol and port) in use? */
export function portInUse(info: NodeInfo, p: PodInfo["hostPorts"][number]): boolean {
  if (info.usedPorts.size === 0) return false;
  if (info.usedPorts.has(portKey(p))) return true;
  if (p.hostIP === "0.0.0.0") {
    for (const key of info.usedPorts.keys()) {
      const [proto, , port] = key.split("/");
      if (proto === p.protocol && Number(port) === p.hostPort) return true;
    }
    return false;
  }
  return info.usedPorts.has(`${p.protocol}/0.0.0.0/${p.hostPort}`);
}
