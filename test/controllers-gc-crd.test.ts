// The garbage collector and custom resources, on a real API server: a CRD made after the
// controllers started is followed at once; a custom resource goes with its owner (a ConfigMap, a
// Deployment, another custom resource), in the background and in the foreground, and what a
// custom resource owns (pods, other custom resources) goes with it, also when its CRD is deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OwnerReference } from "../api/meta";
import { configmaps, deployments, isNotFound, pods, type ObjectWithMeta, type ResourceRef } from "../client";
import { eventually, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.gc.example.com}
spec:
  group: gc.example.com
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;
const gizmos: ResourceRef = { group: "gc.example.com", version: "v1", plural: "gizmos", kind: "Gizmo", namespaced: true };

describe("garbage collection of custom resources", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.kubectl.ok(["apply", "-f", "-"], CRD);
    await eventually(async () => (await c.kubectl.run(["get", "gizmos"])).code === 0, 20_000, "gizmos served");
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const ownerRef = (o: ObjectWithMeta, apiVersion: string, kind: string): OwnerReference => ({ apiVersion, kind, name: o.metadata!.name!, uid: o.metadata!.uid! });
  const gizmo = (name: string, owner?: OwnerReference) =>
    c.client.create(gizmos, "default", { apiVersion: "gc.example.com/v1", kind: "Gizmo", metadata: { name, ownerReferences: owner ? [owner] : undefined }, spec: { size: 1 } });
  const pod = (name: string, owner: OwnerReference) =>
    c.client.create(pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name, ownerReferences: [owner] }, spec: { containers: [{ name: "c", image: "kubelab/web:1" }] } });
  const exists = async (res: ResourceRef, name: string) =>
    c.client.get(res, "default", name).then(() => true, (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)));
  const gone = (res: ResourceRef, ...names: string[]) =>
    eventually(async () => (await Promise.all(names.map((n) => exists(res, n)))).every((e) => !e), 20_000, `${names.join(", ")} collected`);

  it("deletes a custom resource whose ConfigMap owner is deleted", async () => {
    const cm = await c.client.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "gizmo-owner" }, data: {} });
    await gizmo("owned-by-cm", ownerRef(cm, "v1", "ConfigMap"));
    await c.kubectl.ok(["delete", "configmap", "gizmo-owner"]);
    await gone(gizmos, "owned-by-cm");
  });

  it("deletes a custom resource whose Deployment owner is deleted", async () => {
    const d = await c.client.create(deployments, "default", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gizmo-deploy" },
      spec: { replicas: 0, selector: { matchLabels: { app: "g" } }, template: { metadata: { labels: { app: "g" } }, spec: { containers: [{ name: "c", image: "kubelab/web:1" }] } } },
    });
    await gizmo("owned-by-deploy", ownerRef(d, "apps/v1", "Deployment"));
    await c.kubectl.ok(["delete", "deployment", "gizmo-deploy"]);
    await gone(gizmos, "owned-by-deploy");
  });

  it("kubectl delete of a custom resource removes the custom resources and pods it owns (background)", async () => {
    const parent = await gizmo("bg-parent");
    const ref = ownerRef(parent, "gc.example.com/v1", "Gizmo");
    await gizmo("bg-child", ref);
    await pod("bg-pod", ref);
    await c.kubectl.ok(["delete", "gizmo", "bg-parent"]);
    await gone(gizmos, "bg-child");
    await gone(pods, "bg-pod");
  });

  it("foreground deletion keeps the custom resource until what it owns is gone", async () => {
    const parent = await gizmo("fg-parent");
    const ref = ownerRef(parent, "gc.example.com/v1", "Gizmo");
    const child = await gizmo("fg-child", ref);
    await pod("fg-pod", ownerRef(child, "gc.example.com/v1", "Gizmo"));
    const out = await c.kubectl.run(["delete", "gizmo", "fg-parent", "--cascade=foreground", "--timeout=30s"]);
    expect(out.code, out.stderr).toBe(0);
    // The pod has no kubelet to finish it; what matters is that it was being deleted before the owner went.
    expect(await exists(gizmos, "fg-child")).toBe(false);
    expect(await exists(pods, "fg-pod")).toBe(false);
    expect(await exists(gizmos, "fg-parent")).toBe(false);
  });

  it("orphan deletion leaves the dependents, without the reference", async () => {
    const parent = await gizmo("or-parent");
    await gizmo("or-child", ownerRef(parent, "gc.example.com/v1", "Gizmo"));
    await c.kubectl.ok(["delete", "gizmo", "or-parent", "--cascade=orphan"]);
    await gone(gizmos, "or-parent");
    const child = await eventually(async () => {
      const g = await c.client.get(gizmos, "default", "or-child");
      return (g.metadata.ownerReferences ?? []).length === 0 ? g : undefined;
    }, 20_000, "or-child released");
    expect(child.metadata.name).toBe("or-child");
  });

  it("pods owned by custom resources are collected when the CRD is deleted", async () => {
    const owner = await gizmo("crd-owner");
    await pod("crd-pod", ownerRef(owner, "gc.example.com/v1", "Gizmo"));
    await c.kubectl.ok(["delete", "crd", "gizmos.gc.example.com"]);
    await gone(pods, "crd-pod");
  });
});
