// The per-kind strategies as the registry uses them, without a server.
import { describe, expect, it } from "vitest";
import { configmaps, deployments, namespaces, nodes, pods, services } from "../../../api";
import type { KObject } from "../../../api/resource";
import type { ServiceAllocator } from "../allocators/service-addresses";
import { createStrategies } from ".";
import { qosClass } from "./pod";

const noAllocations: ServiceAllocator = { allocate: async () => {} };
const strategies = createStrategies([pods, namespaces, nodes, services, configmaps, deployments], noAllocations, {
  unreachableTolerationSeconds: 5,
});

const pod = (spec: Record<string, unknown>, more: Partial<KObject> = {}): KObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "x" }], ...spec }, ...more,
});

describe("pod strategy", () => {
  it("starts a created pod Pending with its QoS class, scheduled when it names a node, and applies the configured toleration seconds", () => {
    const p = pod({
      nodeName: "n1",
      tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    }, { status: { phase: "Running" } });
    strategies.of(pods).prepareForCreate(p);
    expect(p.status).toMatchObject({ phase: "Pending", qosClass: "BestEffort", conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null }] });
    expect((p.spec as { tolerations: Array<{ tolerationSeconds: number }> }).tolerations[0].tolerationSeconds).toBe(5);
  });

  it("classifies QoS as Kubernetes does", () => {
    const c = (resources: Record<string, unknown>) => ({ containers: [{ name: "c", image: "x", resources }] });
    expect(qosClass(c({ limits: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
    expect(qosClass(c({ requests: { cpu: "1" }, limits: { cpu: "2", memory: "1Gi" } }))).toBe("Burstable");
    expect(qosClass(c({}))).toBe("BestEffort");
  });

  it("deletes a bound running pod gracefully and an unbound one at once", () => {
    const s = strategies.of(pods);
    const bound = s.planDelete(pod({ nodeName: "n1" }), {});
    expect(bound.update?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(bound.update!.metadata.deletionTimestamp!)).toBeGreaterThan(Date.now() + 25_000);
    expect(s.planDelete(pod({}), {})).toEqual({});
    expect(s.planDelete(pod({ nodeName: "n1" }), { gracePeriodSeconds: 0 })).toEqual({});
    expect(s.planDelete(pod({}), { propagationPolicy: "Foreground" }).update?.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("keeps the stored status on an update of the main resource and takes only status through the subresource", () => {
    const s = strategies.of(pods);
    const old = pod({}, { status: { phase: "Running" } });
    expect(s.prepareForUpdate(pod({}, { status: { phase: "Failed" } }), old, undefined).status).toEqual({ phase: "Running" });
    const viaStatus = s.prepareForUpdate(pod({ nodeName: "elsewhere" }, { status: { phase: "Failed" } }), old, "status");
    expect(viaStatus.status).toEqual({ phase: "Failed" });
    expect((viaStatus.spec as { nodeName?: string }).nodeName).toBeUndefined();
  });
});

describe("namespace strategy", () => {
  const ns = (more: Partial<KObject> = {}): KObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" }, ...more });

  it("creates a namespace Active with the kubernetes finalizer and marks it Terminating on delete until that is gone", () => {
    const s = strategies.of(namespaces);
    const created = ns();
    s.prepareForCreate(created);
    expect(created).toMatchObject({ spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
    expect(s.hasFinalizers(created)).toBe(true);
    expect(s.planDelete(created, {}).update).toMatchObject({ status: { phase: "Terminating" }, metadata: { deletionTimestamp: expect.any(String) } });
    expect(s.planDelete(ns({ spec: { finalizers: [] } }), {})).toEqual({});
  });

  it("changes spec.finalizers only through finalize", () => {
    const s = strategies.of(namespaces);
    const old = ns({ spec: { finalizers: ["kubernetes"] }, status: { phase: "Terminating" } });
    expect(s.prepareForUpdate(ns({ spec: { finalizers: [] } }), old, undefined).spec).toEqual({ finalizers: ["kubernetes"] });
    expect(s.prepareForUpdate(ns({ spec: { finalizers: [] } }), old, "finalize")).toMatchObject({ spec: { finalizers: [] }, status: { phase: "Terminating" } });
  });
});

describe("service strategy", () => {
  it("keeps the cluster IP and node ports an update leaves out", () => {
    const svc = (spec: Record<string, unknown>): KObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "default" }, spec });
    const old = svc({ type: "NodePort", clusterIP: "10.96.1.2", clusterIPs: ["10.96.1.2"], ports: [{ port: 80, nodePort: 30080 }] });
    const next = strategies.of(services).prepareForUpdate(svc({ type: "NodePort", ports: [{ port: 80 }, { port: 81 }] }), old, undefined);
    expect(next.spec).toMatchObject({ clusterIP: "10.96.1.2", clusterIPs: ["10.96.1.2"], ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] });
  });
});

describe("generic strategy", () => {
  it("drops a created object's status for kinds with a status subresource, keeps it for the others and for Nodes", () => {
    const status = { replicas: 3 };
    const d: KObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, status };
    strategies.of(deployments).prepareForCreate(d);
    expect(d.status).toBeUndefined();
    const n: KObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { phase: "Running" } };
    strategies.of(nodes).prepareForCreate(n);
    expect(n.status).toEqual({ phase: "Running" });
  });
});
