// A hollow node's API objects: the Node it registers (capacity, Ready, addresses, podCIDR) and
// its Lease in kube-node-lease, written as a kubelet would, without any container runtime.
import type { Lease } from "../../api/coordination";
import type { Node } from "../../api/core";
import { rfc3339, rfc3339Micro } from "../../api/time";

export interface HollowCapacity {
  cpu: string;
  memory: string;
  pods: number;
}

export const DEFAULT_CAPACITY: HollowCapacity = { cpu: "4", memory: "16Gi", pods: 110 };
export const HOLLOW_KUBELET_VERSION = "v1.32.0-kubelab-hollow";
export const LEASE_DURATION_SECONDS = 40;

const micro = (ms: number) => rfc3339Micro(ms);
const seconds = (ms: number) => rfc3339(ms);

/** 10.244.0.0/24, 10.244.1.0/24, ... 10.245.0.0/24 for the index-th node. */
export function podCIDRFor(index: number): string {
  return `10.${244 + Math.floor(index / 256)}.${index % 256}.0/24`;
}

/** A stable index for a node that was not given one (so separate processes rarely collide). */
export function indexForName(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return 1024 + (h % 2048);
}

/** The node's own address: 10.240.x.y from its index. */
export function nodeIPFor(index: number): string {
  return `10.240.${Math.floor(index / 250) % 256}.${(index % 250) + 2}`;
}

export function hollowNode(name: string, opts: { podCIDR: string; labels?: Record<string, string> }): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "hollow",
        "kubelab.io/hollow": "true",
        ...opts.labels,
      },
    },
    spec: { podCIDR: opts.podCIDR, podCIDRs: [opts.podCIDR] },
  } as Node;
}

export function nodeConditions(now: number): NonNullable<NonNullable<Node["status"]>["conditions"]> {
  const t = seconds(now);
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message });
  return [
    cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

/** Conditions for a heartbeat: lastHeartbeatTime now, lastTransitionTime kept when nothing changed. */
export function heartbeatConditions(previous: NonNullable<Node["status"]>["conditions"], now: number) {
  const fresh = nodeConditions(now);
  return fresh.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime ?? c.lastTransitionTime } : c;
  });
}

/**
 * The Node's status. With a stats port the node's agent is reachable (synthetic /stats/summary on
 * 127.0.0.1, stats.ts): InternalIP and the kubelet port name it, so the metrics scraper finds it.
 */
export function hollowNodeStatus(name: string, nodeIP: string, capacity: HollowCapacity, now: number, statsPort?: number): NonNullable<Node["status"]> {
  const resources = { cpu: capacity.cpu, memory: capacity.memory, pods: String(capacity.pods), "ephemeral-storage": "100Gi" };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: nodeConditions(now),
    addresses: [
      { type: "InternalIP", address: statsPort ? "127.0.0.1" : nodeIP },
      { type: "Hostname", address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: statsPort ?? 10250 } },
    nodeInfo: {
      machineID: name,
      systemUUID: name,
      bootID: `hollow-${now}`,
      kernelVersion: "hollow",
      osImage: "kubelab hollow node",
      containerRuntimeVersion: "hollow://1.0.0",
      kubeletVersion: HOLLOW_KUBELET_VERSION,
      kubeProxyVersion: HOLLOW_KUBELET_VERSION,
      operatingSystem: "linux",
      architecture: "amd64",
    },
  } as NonNullable<Node["status"]>;
}

export function nodeLease(name: string, nodeUid: string | undefined, now: number): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace: "kube-node-lease",
      ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: micro(now) },
  } as Lease;
}
