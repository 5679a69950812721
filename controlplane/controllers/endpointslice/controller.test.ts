import { describe, expect, it } from "vitest";
import type { Pod, Service } from "../../../api/core";
import type { EndpointSlice } from "../../../api/discovery";
import { indexByNamespace, Informer, type IndexFunc } from "../../../client";
import { controllerFixture, newPod, newService } from "../testing";
import { EndpointSliceController, endpointSlicesResource as slicesRes } from "./controller";

/** The fixture with the slice cache seeded from the fake's slices, as the other caches are. */
function setup(objects: Array<Service | Pod | EndpointSlice>, maxEndpointsPerSlice?: number) {
  const isSlice = (o: Service | Pod | EndpointSlice): o is EndpointSlice => o.kind === "EndpointSlice";
  const f = controllerFixture(...objects.filter((o) => !isSlice(o)));
  for (const slice of objects.filter(isSlice)) f.client.add(slice, slicesRes);
  const sliceInformer = new Informer<EndpointSlice>({ client: f.client, resource: slicesRes, indexers: { namespace: indexByNamespace as IndexFunc<EndpointSlice> } });
  sliceInformer.seed(...f.client.objects<EndpointSlice>(slicesRes));
  const controller = new EndpointSliceController({ client: f.client, informers: f.informers, sliceInformer, maxEndpointsPerSlice });
  return { ...f, controller, slices: () => f.client.objects<EndpointSlice>(slicesRes) };
}

const http = [{ name: "http", containerPort: 8080 }];
const webPod = (name: string, o: { ip?: string; ready?: boolean; deleting?: boolean; node?: string } = {}) =>
  newPod(name, { labels: { app: "web" }, node: o.node ?? "n1", ip: o.ip, ready: o.ready, deleting: o.deleting, ports: http });
const web = () => newService("web", [{ name: "http", port: 80, targetPort: "http" }]);
const addrs = (s: EndpointSlice) => s.endpoints.map((e) => e.addresses[0]);

describe("endpointslice controller sync", () => {
  it("creates one slice for the Service, named by generateName, labelled, owned, with Kubernetes' conditions", async () => {
    const svc = web();
    const f = setup([
      svc,
      webPod("a-ready", { ip: "10.244.1.2", ready: true }),
      webPod("b-starting", { ip: "10.244.1.3", ready: false }),
      webPod("c-leaving", { ip: "10.244.1.4", ready: true, deleting: true }),
      webPod("d-no-ip", { ready: true }),
      newPod("db", { labels: { app: "db" }, ip: "10.244.1.9", ready: true }),
    ]);

    await f.controller.sync("default/web");

    const creates = f.client.creates("endpointslices");
    expect(creates).toHaveLength(1);
    const slice = creates[0]!.object as EndpointSlice;
    expect(slice.metadata.generateName).toBe("web-");
    expect(slice.metadata.labels).toEqual({ "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(slice.endpoints).toEqual([
      { addresses: ["10.244.1.2"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a-ready", uid: "uid-a-ready" } },
      { addresses: ["10.244.1.3"], conditions: { ready: false, serving: false, terminating: false }, nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "b-starting", uid: "uid-b-starting" } },
      { addresses: ["10.244.1.4"], conditions: { ready: false, serving: true, terminating: true }, nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "c-leaving", uid: "uid-c-leaving" } },
    ]);
    expect(f.slices()[0]!.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
  });

  it("marks not-ready pods ready under publishNotReadyAddresses, and sets hostname for pods whose subdomain is the Service", async () => {
    const svc = { ...web(), spec: { ...web().spec, publishNotReadyAddresses: true } } as Service;
    const pod = webPod("db-0", { ip: "10.244.1.5", ready: false });
    pod.spec.hostname = "db-0";
    pod.spec.subdomain = "web";
    const other = webPod("x", { ip: "10.244.1.6", ready: true });
    other.spec.hostname = "x";
    other.spec.subdomain = "elsewhere";
    const f = setup([svc, pod, other]);

    await f.controller.sync("default/web");

    const [a, b] = (f.client.creates("endpointslices")[0]!.object as EndpointSlice).endpoints;
    expect(a).toMatchObject({ hostname: "db-0", conditions: { ready: true, serving: false, terminating: false } });
    expect(b!.hostname).toBeUndefined();
  });

  it("updates the slice in place when a pod becomes ready, and writes nothing when it is already right", async () => {
    const svc = web();
    const starting = setup([svc, webPod("a", { ip: "10.244.1.2", ready: false })]);
    await starting.controller.sync("default/web");
    const [slice] = starting.slices();

    const ready = setup([svc, webPod("a", { ip: "10.244.1.2", ready: true }), slice!]);
    await ready.controller.sync("default/web");

    expect(ready.client.creates("endpointslices")).toEqual([]);
    const updates = ready.client.updates("endpointslices");
    expect(updates.map((u) => u.name)).toEqual([slice!.metadata.name]);
    expect((updates[0]!.object as EndpointSlice).endpoints[0]!.conditions).toEqual({ ready: true, serving: true, terminating: false });

    const steady = setup([svc, webPod("a", { ip: "10.244.1.2", ready: true }), ready.slices()[0]!]);
    await steady.controller.sync("default/web");
    expect(steady.client.writes()).toEqual([]);
  });

  it("drops a deleted pod's endpoint and keeps an empty slice when the last one goes", async () => {
    const svc = web();
    const two = setup([svc, webPod("a", { ip: "10.244.1.2", ready: true }), webPod("b", { ip: "10.244.1.3", ready: true })]);
    await two.controller.sync("default/web");
    const [slice] = two.slices();

    const one = setup([svc, webPod("b", { ip: "10.244.1.3", ready: true }), slice!]);
    await one.controller.sync("default/web");
    expect(addrs(one.client.updates("endpointslices")[0]!.object as EndpointSlice)).toEqual(["10.244.1.3"]);

    const none = setup([svc, one.slices()[0]!]);
    await none.controller.sync("default/web");
    expect(none.client.deletes("endpointslices")).toEqual([]);
    expect(none.slices().map((s) => [s.metadata.name, s.endpoints.length])).toEqual([[slice!.metadata.name, 0]]);
  });

  it("splits more than 100 pods over slices of at most 100, and refills the existing ones first", async () => {
    const svc = web();
    const pods = Array.from({ length: 150 }, (_, i) => webPod(`p${String(i).padStart(3, "0")}`, { ip: `10.244.${i >> 8}.${i & 255}`, ready: true }));
    const f = setup([svc, ...pods]);
    await f.controller.sync("default/web");
    expect(f.client.creates("endpointslices").map((c) => (c.object as EndpointSlice).endpoints.length)).toEqual([100, 50]);

    const grown = setup([svc, ...pods, webPod("q", { ip: "10.244.9.9", ready: true }), ...f.slices()]);
    await grown.controller.sync("default/web");
    expect(grown.client.creates("endpointslices")).toEqual([]);
    expect(grown.client.updates("endpointslices").map((u) => (u.object as EndpointSlice).endpoints.length)).toEqual([51]);
  });

  it("obeys --max-endpoints-per-slice", async () => {
    const pods = Array.from({ length: 5 }, (_, i) => webPod(`p${i}`, { ip: `10.244.1.${i + 1}`, ready: true }));
    const f = setup([web(), ...pods], 2);
    await f.controller.sync("default/web");
    expect(f.client.creates("endpointslices").map((c) => (c.object as EndpointSlice).endpoints.length)).toEqual([2, 2, 1]);
  });

  it("writes nothing for a deleted Service (its slices are owned by it, the garbage collector removes them)", async () => {
    const f = setup([web(), webPod("a", { ip: "10.244.1.2", ready: true })]);
    await f.controller.sync("default/web");
    const slice = f.slices()[0]!;
    const gone = setup([webPod("a", { ip: "10.244.1.2", ready: true }), slice]);

    await gone.controller.sync("default/web");

    expect(gone.client.writes()).toEqual([]);
    expect(slice.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Service", name: "web", controller: true });
  });

  it("leaves Services without a selector alone", async () => {
    const f = setup([newService("external", [{ port: 80 }], {})]);
    await f.controller.sync("default/external");
    expect(f.client.writes()).toEqual([]);
  });

  it("replaces a slice whose ports no longer match, and deletes a slice owned by an earlier Service of the same name", async () => {
    const svc = web();
    const f = setup([svc, webPod("a", { ip: "10.244.1.2", ready: true })]);
    await f.controller.sync("default/web");
    // (renamed: the next fixture's fake would generate the same name again)
    const old = { ...f.slices()[0]!, metadata: { ...f.slices()[0]!.metadata, name: "web-first" } };
    const stale = { ...old, metadata: { ...old.metadata, name: "web-old12", uid: "uid-old-slice", ownerReferences: [{ ...old.metadata.ownerReferences![0]!, uid: "uid-previous-web" }] } };
    const renumbered = { ...svc, spec: { ...svc.spec, ports: [{ name: "http", port: 80, targetPort: 9090, protocol: "TCP" }] } } as Service;
    const g = setup([renumbered, webPod("a", { ip: "10.244.1.2", ready: true }), old, stale]);

    await g.controller.sync("default/web");

    expect(g.client.creates("endpointslices").map((c) => (c.object as EndpointSlice).ports)).toEqual([[{ name: "http", port: 9090, protocol: "TCP" }]]);
    expect(g.client.deletes("endpointslices").map((d) => d.name).sort()).toEqual([old.metadata.name, "web-old12"].sort());
  });

  it("waits for the cache to show its own writes before acting again", async () => {
    const f = setup([web(), webPod("a", { ip: "10.244.1.2", ready: true })]);
    await f.controller.sync("default/web");
    f.client.clearActions();

    // The slice informer of the fixture does not follow the fake: the created slice is not cached.
    const r = await f.controller.sync("default/web");

    expect(f.client.writes()).toEqual([]);
    expect(r).toEqual({ requeueAfter: 1000 });
  });
});
