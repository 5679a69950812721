import { describe, expect, it } from "vitest";
import type { Lease } from "../../../api/coordination";
import type { Node, Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { controllerFixture, newLease, newNode, newPod, T0 } from "../testing";
import { NodeLifecycleController } from "./controller";
import { UNREACHABLE_TAINT_KEY } from "./taints";

async function setup(objects: Array<Node | Lease | Pod>, startAt = T0) {
  const f = controllerFixture(...objects);
  f.clock.advance(startAt - T0);
  const controller = new NodeLifecycleController({ client: f.client, informers: f.informers, clock: f.clock, gracePeriodSeconds: 40, defaultTolerationSeconds: 300 });
  return { ...f, controller };
}

const unreachable = { key: UNREACHABLE_TAINT_KEY, effect: "NoExecute", timeAdded: rfc3339(T0) };

describe("node lifecycle controller sync", () => {
  it("leaves a node alone within the grace period and looks again when it ends", async () => {
    const f = await setup([newNode("n1"), newLease("n1", T0)]);
    f.clock.advance(10_000);

    const result = await f.controller.sync("n1");

    expect(f.client.writes()).toEqual([]);
    expect(result).toEqual({ requeueAfter: 30_050 });
  });

  it("marks a node whose lease stopped moving Unknown and taints it unreachable:NoExecute", async () => {
    const f = await setup([newNode("n1"), newLease("n1", T0)]);
    f.clock.advance(40_000);

    await f.controller.sync("n1");

    const status = f.client.statusWrites("nodes");
    expect(status).toHaveLength(1);
    const conditions = (status[0]!.object as Node).status!.conditions!;
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Ready", "Unknown", "NodeStatusUnknown"],
      ["MemoryPressure", "Unknown", "NodeStatusUnknown"],
      ["DiskPressure", "Unknown", "NodeStatusUnknown"],
      ["PIDPressure", "Unknown", "NodeStatusUnknown"],
    ]);
    expect(conditions[0]).toMatchObject({ message: "Kubelet stopped posting node status.", lastTransitionTime: rfc3339(T0 + 40_000) });
    const taints = f.client.updates("nodes").map((a) => (a.object as Node).spec?.taints);
    expect(taints).toEqual([[{ key: UNREACHABLE_TAINT_KEY, effect: "NoExecute", timeAdded: rfc3339(T0 + 40_000) }]]);
  });

  it("evicts pods from an unreachable node as their tolerations run out, the default one after 300 s", async () => {
    const node = newNode("n1", { ready: "Unknown", taints: [unreachable] });
    const short = newPod("short", { node: "n1", tolerations: [{ key: UNREACHABLE_TAINT_KEY, operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }] });
    const forever = newPod("forever", { node: "n1", tolerations: [{ operator: "Exists" }] });
    const elsewhere = newPod("elsewhere", { node: "n2" });
    const f = await setup([node, newLease("n1", T0), newPod("default", { node: "n1" }), short, forever, elsewhere], T0 + 11_000);

    await f.controller.sync("n1");
    expect(f.client.deleted.map((d) => d.name)).toEqual(["short"]);
    expect(f.client.deleted[0]!.options.preconditions).toEqual({ uid: "uid-short" });

    f.client.clearActions();
    f.clock.advance(290_000);
    await f.controller.sync("n1");
    // "short" is still in the (seeded) cache: deleted again, and its NotFound is no error.
    expect(f.client.deleted.map((d) => d.name).sort()).toEqual(["default", "short"]);
  });

  it("takes the health taint off a node that is Ready again, keeping the others", async () => {
    const dedicated = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
    const f = await setup([newNode("n1", { taints: [dedicated, unreachable] }), newLease("n1", T0)]);

    await f.controller.sync("n1");

    expect(f.client.updates("nodes").map((a) => (a.object as Node).spec?.taints)).toEqual([[dedicated]]);
    expect(f.client.deletes("pods")).toEqual([]);
  });

  it("forgets a node that is gone", async () => {
    const f = await setup([]);

    expect(await f.controller.sync("n1")).toBeUndefined();
    expect(f.client.writes()).toEqual([]);
  });
});
