// The fixture of the controller unit tests, as Kubernetes' controller tests have it: a fake client
// that holds the objects and records every call, informer caches seeded with the same objects, and
// a clock that moves only when told. A test builds a controller on it, calls sync(key) and counts
// the writes: no informer runs, so nothing changes under it.
import { FakeClock } from "../../client/clock";
import { FakeClient } from "../../client/fake";
import { SharedInformers } from "../../client/informer-factory";
import type { ResourceRef } from "../../client/resources";
import type { DeleteOptions, ObjectWithMeta } from "../../client/types";
import type { ApiStatus } from "../../client/errors";
import type { Deployment, ReplicaSet } from "../../api/apps";
import type { Lease } from "../../api/coordination";
import type { Namespace, Node, Pod, Service } from "../../api/core";
import { rfc3339, rfc3339Micro } from "../../api/time";
import { controllerRefTo } from "./owner";

/** A delete the controller sent, with its options (the fake's Action carries no DeleteOptions). */
export interface RecordedDelete {
  resource: string;
  namespace?: string;
  name: string;
  options: DeleteOptions;
}

/** FakeClient that also keeps the options of every delete (propagationPolicy, preconditions). */
export class RecordingClient extends FakeClient {
  readonly deleted: RecordedDelete[] = [];

  override delete<T extends ObjectWithMeta>(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | ApiStatus> {
    this.deleted.push({ resource: res.plural, namespace: res.namespaced ? ns : undefined, name, options: structuredClone(opts) });
    return super.delete<T>(res, ns, name, opts);
  }

  override clearActions(): void {
    super.clearActions();
    this.deleted.length = 0;
  }
}

export interface ControllerFixture {
  client: RecordingClient;
  /** Informers whose caches start with the client's objects (as the test wrote them) and count as synced. */
  informers: SharedInformers;
  clock: FakeClock;
}

type Seed = ObjectWithMeta & { metadata?: { deletionTimestamp?: string | null } };

/**
 * A fake client holding objects, informers seeded with them, and a FakeClock at T0. Build the
 * controller on it afterwards: each informer is seeded when the controller first asks for it, and
 * the controller's handlers then see every object as added (which builds, e.g., the garbage
 * collector's graph). Nothing has been called on the client yet.
 */
export function controllerFixture(...objects: Seed[]): ControllerFixture {
  const client = new RecordingClient(...objects);
  const informers = new SharedInformers(client, undefined, { seed: (res, ns) => seeded(client, objects, res, ns) });
  return { client, informers, clock: new FakeClock(T0) };
}

/**
 * The fake stores objects as a create would (no deletionTimestamp); the caches get them as the
 * test wrote them, being deleted included, as Kubernetes' tests add them to an indexer.
 */
function seeded(client: FakeClient, seeds: Seed[], res: ResourceRef, namespace?: string): ObjectWithMeta[] {
  return client.objects<Seed>(res, namespace).map((obj) => {
    const seed = seeds.find((s) => s.kind === obj.kind && s.metadata?.namespace === obj.metadata?.namespace && s.metadata?.name === obj.metadata?.name);
    const deletionTimestamp = seed?.metadata?.deletionTimestamp;
    return deletionTimestamp ? { ...obj, metadata: { ...obj.metadata, deletionTimestamp } } : obj;
  });
}

// --- objects, shaped as the API server stores them (uid, resourceVersion, creationTimestamp set), in the
// spirit of Kubernetes' newReplicaSet / newPod / newDeployment test helpers; only what a test states is set.

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
