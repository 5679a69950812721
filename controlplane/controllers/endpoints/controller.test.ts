import { describe, expect, it } from "vitest";
import type { Endpoints, Pod, Service } from "../../../api/core";
import { endpoints as epRes } from "../../../client";
import { controllerFixture, newPod, newService } from "../testing";
import { computeSubsets } from "./subsets";
import { EndpointsController } from "./controller";

async function setup(objects: Array<Service | Pod | Endpoints>) {
  const f = controllerFixture(...objects);
  const controller = new EndpointsController({ client: f.client, informers: f.informers });
  return { ...f, controller };
}

const http = [{ name: "http", containerPort: 8080 }];
const webPod = (name: string, o: { ip?: string; ready?: boolean; ports?: typeof http } = {}) =>
  newPod(name, { labels: { app: "web" }, node: "n1", ip: o.ip, ready: o.ready, ports: o.ports ?? http });

describe("endpoints controller sync", () => {
  it("creates Endpoints with ready pods as addresses, the others as notReadyAddresses, on the named port's number", async () => {
    const svc = newService("web", [{ name: "http", port: 80, targetPort: "http" }]);
    const f = await setup([
      svc,
      webPod("ready", { ip: "10.244.1.2", ready: true }),
      webPod("starting", { ip: "10.244.1.3", ready: false }),
      webPod("no-ip", { ready: true }),
      newPod("db", { labels: { app: "db" }, node: "n1", ip: "10.244.1.9", ready: true, ports: http }),
    ]);

    await f.controller.sync("default/web");

    const creates = f.client.creates("endpoints");
    expect(creates).toHaveLength(1);
    const ep = creates[0]!.object as Endpoints;
    expect(ep.metadata?.name).toBe("web");
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: "10.244.1.2", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "ready", uid: "uid-ready" } }],
        notReadyAddresses: [{ ip: "10.244.1.3", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "starting", uid: "uid-starting" } }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("updates Endpoints that went stale, and writes nothing when they are already right", async () => {
    const svc = newService("web", [{ port: 80, targetPort: 8080 }]);
    const pods = [webPod("a", { ip: "10.244.1.2", ready: true }), webPod("b", { ip: "10.244.1.3", ready: true })];
    const current = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: "default" }, subsets: computeSubsets(svc, pods.slice(0, 1)) } as Endpoints;
    const stale = await setup([svc, ...pods, current]);

    await stale.controller.sync("default/web");

    expect(stale.client.updates("endpoints")).toHaveLength(1);
    expect(stale.client.object<Endpoints>(epRes, "default", "web")?.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(["10.244.1.2", "10.244.1.3"]);

    const fresh = await setup([svc, ...pods, { ...current, subsets: computeSubsets(svc, pods) }]);
    await fresh.controller.sync("default/web");
    expect(fresh.client.writes()).toEqual([]);
  });

  it("deletes the Endpoints of a Service that is gone", async () => {
    const f = await setup([{ apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: "default" } } as Endpoints]);

    await f.controller.sync("default/web");

    expect(f.client.deletes("endpoints").map((a) => a.name)).toEqual(["web"]);
  });

  it("keeps no Endpoints for a Service without a selector", async () => {
    const f = await setup([newService("external", [{ port: 80 }], {})]);

    await f.controller.sync("default/external");

    expect(f.client.writes()).toEqual([]);
  });
});
