import { describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { controllerFixture, newDeployment, newPod, newReplicaSet, T0 } from "../testing";
import { FOREGROUND_FINALIZER, GarbageCollector, ORPHAN_FINALIZER } from "./controller";

async function setup(objects: Array<Deployment | ReplicaSet | Pod>) {
  const f = controllerFixture(...objects);
  const controller = new GarbageCollector({ client: f.client, informers: f.informers });
  return { ...f, controller };
}

const deleting = <T extends { metadata: { deletionTimestamp?: string; finalizers?: string[] } }>(obj: T, finalizer: string): T => {
  obj.metadata.deletionTimestamp = rfc3339(T0);
  obj.metadata.finalizers = [finalizer];
  return obj;
};

const patchOf = (a: { object?: unknown }) => (a.object as { metadata: Record<string, unknown> }).metadata;

describe("garbage collector sync", () => {
  it("deletes, in the background, a dependent whose owner is gone", async () => {
    const gone = newReplicaSet("gone", 1);
    const f = await setup([newPod("orphaned", { owner: gone })]);

    await f.controller.sync("pods|default/orphaned");

    expect(f.client.deleted).toEqual([{ resource: "pods", namespace: "default", name: "orphaned", options: { propagationPolicy: "Background", preconditions: { uid: "uid-orphaned" } } }]);
  });

  it("deletes a dependent whose owner was recreated under the same name (another uid)", async () => {
    const old = newReplicaSet("web", 1);
    const recreated = { ...newReplicaSet("web", 1), metadata: { ...old.metadata, uid: "uid-web-2" } };
    const f = await setup([recreated, newPod("p", { owner: old })]);

    await f.controller.sync("pods|default/p");

    expect(f.client.deleted.map((d) => d.name)).toEqual(["p"]);
  });

  it("keeps a dependent whose owner exists", async () => {
    const rs = newReplicaSet("web", 1);
    const f = await setup([rs, newPod("p", { owner: rs })]);

    await f.controller.sync("pods|default/p");

    expect(f.client.writes()).toEqual([]);
  });

  it("removes only the reference to a gone owner when another owner remains", async () => {
    const rs = newReplicaSet("web", 1);
    const gone = newReplicaSet("gone", 1);
    const pod = newPod("p", { owner: rs });
    pod.metadata.ownerReferences!.push({ apiVersion: "apps/v1", kind: "ReplicaSet", name: "gone", uid: gone.metadata.uid! });
    const f = await setup([rs, pod]);

    await f.controller.sync("pods|default/p");

    expect(f.client.deletes()).toEqual([]);
    const patches = f.client.updates("pods");
    expect(patches).toHaveLength(1);
    expect((patchOf(patches[0]!).ownerReferences as Array<{ uid: string }>).map((r) => r.uid)).toEqual([rs.metadata.uid]);
  });

  it("foreground: deletes the owner's dependents first and keeps its finalizer while any is left", async () => {
    const rs = deleting(newReplicaSet("web", 2), FOREGROUND_FINALIZER);
    const f = await setup([rs, newPod("a", { owner: rs }), newPod("b", { owner: rs, deleting: true })]);

    const result = await f.controller.sync("replicasets|default/web");

    expect(f.client.deleted).toEqual([{ resource: "pods", namespace: "default", name: "a", options: { propagationPolicy: "Foreground", preconditions: { uid: "uid-a" } } }]);
    expect(f.client.updates("replicasets")).toEqual([]);
    expect(result).toEqual({ requeueAfter: 2000 });
  });

  it("foreground: removes the finalizer once no dependent is left, so the owner goes", async () => {
    const f = await setup([deleting(newReplicaSet("web", 2), FOREGROUND_FINALIZER)]);

    await f.controller.sync("replicasets|default/web");

    const patches = f.client.updates("replicasets");
    expect(patches.map((a) => patchOf(a).finalizers)).toEqual([null]);
  });

  it("orphan: takes the owner's references off its dependents, then removes the orphan finalizer", async () => {
    const d = deleting(newDeployment("web", 1), ORPHAN_FINALIZER);
    const f = await setup([d, newReplicaSet("web-1", 1, { owner: d })]);

    await f.controller.sync("deployments|default/web");

    expect(f.client.updates("replicasets").map((a) => [a.name, patchOf(a).ownerReferences])).toEqual([["web-1", null]]);
    expect(f.client.updates("deployments").map((a) => patchOf(a).finalizers)).toEqual([null]);
    expect(f.client.deletes()).toEqual([]);
  });
});
