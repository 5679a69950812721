import { describe, expect, it } from "vitest";
import type { Node } from "../../../api/core";
import type { EventRecorder } from "../../../client";
import { controllerFixture, newNode } from "../testing";
import { NodeIpamController } from "./controller";

const withCIDR = (node: Node, cidr: string): Node => ({ ...node, spec: { ...node.spec, podCIDR: cidr, podCIDRs: [cidr] } });

function setup(nodes: Node[], opts: { clusterCIDR?: string; nodeCIDRMaskSize?: number } = {}) {
  const f = controllerFixture(...nodes);
  const events: string[] = [];
  const recorder = { event: (obj: Node, type: string, reason: string, message: string) => events.push(`${obj.metadata.name} ${type} ${reason}: ${message}`) } as unknown as EventRecorder;
  const controller = new NodeIpamController({ client: f.client, informers: f.informers, recorder, ...opts });
  const patches = () => f.client.actions({ verb: "patch", resource: "nodes" }).map((a) => [a.name, a.object]);
  return { ...f, controller, events, patches };
}

describe("node IPAM controller sync", () => {
  it("gives a Node without podCIDR the next free /24 of 10.244.0.0/16, in spec.podCIDR and spec.podCIDRs", async () => {
    const f = setup([newNode("worker1"), newNode("worker2")]);

    await f.controller.sync("worker1");
    await f.controller.sync("worker2");

    expect(f.patches()).toEqual([
      ["worker1", { spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] } }],
      ["worker2", { spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } }],
    ]);
    expect(f.client.object<Node>({ group: "", version: "v1", plural: "nodes", namespaced: false }, undefined, "worker2")?.spec?.podCIDR).toBe("10.244.1.0/24");
  });

  it("leaves a Node that came with a podCIDR alone and never hands that CIDR to another", async () => {
    const f = setup([withCIDR(newNode("given"), "10.244.0.0/24"), newNode("fresh")]);

    await f.controller.sync("given");
    await f.controller.sync("fresh");

    expect(f.patches()).toEqual([["fresh", { spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } }]]);
  });

  it("marks the cached Nodes' CIDRs used before the first allocation, whatever the order of syncs", async () => {
    const f = setup([newNode("fresh"), withCIDR(newNode("given"), "10.244.0.0/24")]);

    await f.controller.sync("fresh");

    expect(f.patches()).toEqual([["fresh", { spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } }]]);
  });

  it("frees a deleted Node's CIDR for the next Node", async () => {
    const f = setup([withCIDR(newNode("a"), "10.244.0.0/24"), withCIDR(newNode("b"), "10.244.1.0/24")], { clusterCIDR: "10.244.0.0/23" });
    await f.controller.sync("a");
    expect(f.controller.cidrs.free()).toBe(0);

    f.informers.nodes().indexer.delete(withCIDR(newNode("a"), "10.244.0.0/24"));
    await f.controller.sync("a");

    expect(f.controller.cidrs.free()).toBe(1);
    expect(f.controller.cidrs.allocateNext()).toBe("10.244.0.0/24");
  });

  it("records CIDRNotAvailable on the Node when the range is exhausted, and retries", async () => {
    const f = setup([withCIDR(newNode("a"), "10.244.0.0/24"), newNode("b")], { clusterCIDR: "10.244.0.0/24", nodeCIDRMaskSize: 24 });

    const r = await f.controller.sync("b");

    expect(f.patches()).toEqual([]);
    expect(f.events).toEqual(["b Normal CIDRNotAvailable: Node b status is now: CIDRNotAvailable"]);
    expect(r).toEqual({ requeue: true });
  });

  it("gives the CIDR back when the patch fails, and the retry assigns one", async () => {
    const f = setup([newNode("a")]);
    f.client.failNext("patch", "nodes", new Error("connection reset"));

    await expect(f.controller.sync("a")).rejects.toThrow("connection reset");
    expect(f.events).toEqual(["a Warning CIDRAssignmentFailed: Node a status is now: CIDRAssignmentFailed"]);
    expect(f.controller.cidrs.free()).toBe(256);
    await f.controller.sync("a");

    expect(f.patches()).toHaveLength(2);
    expect(f.controller.cidrs.free()).toBe(255);
  });

  it("refuses an invalid configuration at construction", () => {
    expect(() => setup([], { clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 12 })).toThrow(/does not fit/);
  });
});
