// Small builders for scheduler tests: a Ready node with capacity, a pod with requests.
import type { Node, Pod } from "../../api/core";
import { accountPod, newNodeInfo, newPodInfo } from "./node-info";
import type { NodeInfo } from "./types";

export function makeNode(name: string, opts: { cpu?: string; memory?: string; pods?: number; labels?: Record<string, string>; ready?: boolean; spec?: Node["spec"] } = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...opts.labels } },
    spec: { ...opts.spec },
    status: {
      capacity: { cpu: opts.cpu ?? "4", memory: opts.memory ?? "16Gi", pods: String(opts.pods ?? 110) },
      allocatable: { cpu: opts.cpu ?? "4", memory: opts.memory ?? "16Gi", pods: String(opts.pods ?? 110) },
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }],
    },
  } as Node;
}

export function makePod(name: string, opts: { cpu?: string; memory?: string; spec?: Partial<Pod["spec"]>; owner?: string; hostPort?: number } = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      ...(opts.owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: opts.owner, uid: opts.owner, controller: true }] } : {}),
    },
    spec: {
      containers: [
        {
          name: "app",
          image: "nginx",
          resources: Object.keys(requests).length ? { requests } : {},
          ...(opts.hostPort ? { ports: [{ containerPort: 80, hostPort: opts.hostPort, protocol: "TCP" }] } : {}),
        },
      ],
      ...opts.spec,
    },
  } as Pod;
}

/** A NodeInfo with these pods already on it. */
export function nodeInfoWith(node: Node, ...pods: Pod[]): NodeInfo {
  const info = newNodeInfo(node);
  for (const p of pods) accountPod(info, newPodInfo(p), 1);
  return info;
}
