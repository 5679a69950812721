// Objects for controller unit tests, shaped as the API server stores them (uid, resourceVersion,
// creationTimestamp set), in the spirit of Kubernetes' newReplicaSet / newPod / newDeployment test
// helpers. Only what a test states is set; everything else is the API server's default.
import type { Deployment, ReplicaSet } from "../../api/apps";
import type { Lease } from "../../api/coordination";
import type { Namespace, Node, Pod, Service } from "../../api/core";
import { rfc3339, rfc3339Micro } from "../../api/time";
import { controllerRefTo } from "./owner";

/** 2026-01-01T00:00:00Z: the clock tests start from. */
export const T0 = Date.parse("2026-01-01T00:00:00Z");

let seq = 0;
const meta = (name: string, namespace: string | undefined, extra: Record<string, unknown> = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `uid-${name}`,
  resourceVersion: String(++seq),
  creationTimestamp: rfc3339(T0),
  ...extra,
});

const template = (labels: Record<string, string>, image = "kubelab/web:1") => ({
  metadata: { labels },
  spec: { containers: [{ name: "web", image }] },
});

export function newReplicaSet(name: string, replicas: number, o: { labels?: Record<string, string>; minReadySeconds?: number; owner?: Deployment } = {}): ReplicaSet {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(name, "default", {
      labels,
      generation: 1,
      ...(o.owner ? { ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "Deployment", metadata: o.owner.metadata })] } : {}),
    }),
    spec: { replicas, ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}), selector: { matchLabels: labels }, template: template(labels) },
  } as ReplicaSet;
}

export interface PodOptions {
  /** Controller owner (a ReplicaSet), or none: an orphan. */
  owner?: ReplicaSet;
  labels?: Record<string, string>;
  node?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  /** Ready condition and since when (ms). */
  ready?: boolean;
  readySince?: number;
  created?: number;
  restarts?: number;
  ip?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  deleting?: boolean;
  tolerations?: unknown[];
}

export function newPod(name: string, o: PodOptions = {}): Pod {
  const labels = o.labels ?? o.owner?.spec.template?.metadata?.labels ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, "default", {
      labels: { ...labels },
      creationTimestamp: rfc3339(o.created ?? T0),
      ...(o.owner ? { ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: o.owner.metadata })] } : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    }),
    spec: {
      containers: [{ name: "web", image: "kubelab/web:1", ...(o.ports ? { ports: o.ports.map((p) => ({ ...p, protocol: "TCP" })) } : {}) }],
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip ? { podIP: o.ip } : {}),
      ...(o.ready === undefined ? {} : { conditions: [{ type: "Ready", status: o.ready ? "True" : "False", lastTransitionTime: rfc3339(o.readySince ?? T0) }] }),
      ...(o.restarts ? { containerStatuses: [{ name: "web", ready: Boolean(o.ready), restartCount: o.restarts, image: "kubelab/web:1", imageID: "", state: {} }] } : {}),
    },
  } as unknown as Pod;
}

export function newDeployment(name: string, replicas: number, o: { maxSurge?: number | string; maxUnavailable?: number | string; image?: string; strategy?: "RollingUpdate" | "Recreate" } = {}): Deployment {
  const labels = { app: name };
  const strategy =
    o.strategy === "Recreate"
      ? { type: "Recreate" }
      : { type: "RollingUpdate", rollingUpdate: { maxSurge: o.maxSurge ?? "25%", maxUnavailable: o.maxUnavailable ?? "25%" } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(name, "default", { labels, generation: 1 }),
    spec: { replicas, selector: { matchLabels: labels }, template: template(labels, o.image), strategy, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
  } as Deployment;
}

/** A node with its Ready condition; an Unknown one has every condition Unknown, as the node lifecycle controller leaves it. */
export function newNode(name: string, o: { ready?: "True" | "False" | "Unknown"; heartbeat?: number; taints?: unknown[] } = {}): Node {
  const at = rfc3339(o.heartbeat ?? T0);
  const ready = o.ready ?? "True";
  const condition = (type: string, status: string) => ({ type, status, lastHeartbeatTime: at, lastTransitionTime: at, reason: "KubeletReady", message: "kubelet is posting ready status" });
  const conditions =
    ready === "Unknown"
      ? ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].map((t) => ({ ...condition(t, "Unknown"), reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." }))
      : [condition("Ready", ready)];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(name, undefined),
    spec: o.taints ? { taints: o.taints } : {},
    status: { conditions },
  } as unknown as Node;
}

export function newLease(node: string, renewed: number): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: meta(node, "kube-node-lease"),
    spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: rfc3339Micro(renewed) },
  } as unknown as Lease;
}

export function newService(name: string, ports: Array<{ name?: string; port: number; targetPort?: number | string }>, selector: Record<string, string> = { app: name }): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(name, "default"),
    spec: { selector, ports: ports.map((p) => ({ ...p, protocol: "TCP" })) },
  } as unknown as Service;
}

export function newNamespace(name: string, o: { terminating?: boolean } = {}): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: meta(name, undefined, o.terminating ? { deletionTimestamp: rfc3339(T0) } : {}),
    spec: { finalizers: ["kubernetes"] },
    status: { phase: o.terminating ? "Terminating" : "Active" },
  } as unknown as Namespace;
}
