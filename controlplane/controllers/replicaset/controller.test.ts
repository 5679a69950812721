import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { newConflict, replicasets as rsRes } from "../../../client";
import { controllerFixture, newPod, newReplicaSet, T0 } from "../testing";
import { ReplicaSetController } from "./controller";

async function setup(objects: Array<ReplicaSet | Pod>, opts: { burstReplicas?: number } = {}) {
  const f = controllerFixture(...objects);
  const controller = new ReplicaSetController({ client: f.client, informers: f.informers, clock: f.clock, ...opts });
  return { ...f, controller };
}

const createdPods = (f: { client: { creates(r: string): Array<{ object?: unknown }> } }) => f.client.creates("pods").map((a) => a.object as Pod);

describe("ReplicaSet controller sync", () => {
  it("creates the missing pods from the template, owned by the ReplicaSet, and waits to see them before creating more", async () => {
    const rs = newReplicaSet("web", 3);
    const f = await setup([rs, newPod("web-a", { owner: rs })]);

    await f.controller.sync("default/web");

    const pods = createdPods(f);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata.generateName).toBe("web-");
      expect(pod.metadata.labels).toEqual({ app: "web" });
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(pod.spec?.containers[0]?.image).toBe("kubelab/web:1");
    }
    expect(f.controller.expectations.satisfied("default/web")).toBe(false);

    // The cache has not seen the two new pods yet: a second sync must not create them again.
    f.client.clearActions();
    await f.controller.sync("default/web");
    expect(f.client.creates("pods")).toHaveLength(0);
  });

  it("deletes the least valuable pods when scaled down: unscheduled, then not ready, keeping the ready one", async () => {
    const rs = newReplicaSet("web", 1);
    const f = await setup([
      rs,
      newPod("ready", { owner: rs, node: "n1", ready: true }),
      newPod("not-ready", { owner: rs, node: "n1", ready: false }),
      newPod("unscheduled", { owner: rs, phase: "Pending" }),
    ]);

    await f.controller.sync("default/web");

    expect(f.client.deleted.map((d) => d.name).sort()).toEqual(["not-ready", "unscheduled"]);
    expect(f.client.deleted.map((d) => d.options.preconditions?.uid).sort()).toEqual(["uid-not-ready", "uid-unscheduled"]);
    expect(f.client.creates("pods")).toHaveLength(0);
    expect(f.controller.expectations.satisfied("default/web")).toBe(false);
  });

  it("makes no write when the pods match the replicas and the status is already right", async () => {
    const rs = newReplicaSet("web", 2);
    rs.status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 };
    const f = await setup([rs, newPod("a", { owner: rs, node: "n1", ready: true }), newPod("b", { owner: rs, node: "n1", ready: true })]);

    await f.controller.sync("default/web");

    expect(f.client.writes()).toEqual([]);
  });

  it("writes status with ready and available counts, and comes back when a pod reaches minReadySeconds", async () => {
    const rs = newReplicaSet("web", 2, { minReadySeconds: 10 });
    const f = await setup([
      rs,
      newPod("a", { owner: rs, node: "n1", ready: true, readySince: T0 - 20_000 }),
      newPod("b", { owner: rs, node: "n1", ready: true, readySince: T0 - 4_000 }),
    ]);

    const result = await f.controller.sync("default/web");

    const writes = f.client.statusWrites("replicasets");
    expect(writes).toHaveLength(1);
    expect((writes[0]!.object as ReplicaSet).status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
    // b becomes available 6 s from now.
    expect(result).toEqual({ requeueAfter: 6_050 });
  });

  it("adopts a matching orphan, releases an owned pod that stopped matching, and leaves another owner's pod alone", async () => {
    const rs = newReplicaSet("web", 2);
    const other = newReplicaSet("other", 1, { labels: { app: "web" } });
    const f = await setup([
      rs,
      newPod("orphan", { labels: { app: "web" }, node: "n1" }),
      newPod("relabelled", { owner: rs, labels: { app: "db" }, node: "n1" }),
      newPod("foreign", { owner: other, node: "n1" }),
      newPod("mine", { owner: rs, node: "n1" }),
    ]);

    await f.controller.sync("default/web");

    const patches = f.client.updates("pods");
    expect(patches.map((a) => a.name).sort()).toEqual(["orphan", "relabelled"]);
    const adopt = patches.find((a) => a.name === "orphan")!.object as { metadata: { ownerReferences: Array<{ uid: string }> } };
    expect(adopt.metadata.ownerReferences.map((r) => r.uid)).toEqual([rs.metadata.uid]);
    const release = patches.find((a) => a.name === "relabelled")!.object as { metadata: { ownerReferences: null } };
    expect(release.metadata.ownerReferences).toBeNull();
    // orphan + mine = 2 replicas: nothing to create or delete.
    expect(f.client.creates("pods")).toHaveLength(0);
    expect(f.client.deletes("pods")).toHaveLength(0);
  });

  it("does not adopt a finished orphan", async () => {
    const rs = newReplicaSet("web", 1);
    const f = await setup([rs, newPod("done", { labels: { app: "web" }, phase: "Succeeded" })]);

    await f.controller.sync("default/web");

    expect(f.client.updates("pods")).toHaveLength(0);
    expect(f.client.creates("pods")).toHaveLength(1);
  });

  it("forgets a ReplicaSet that is gone: no writes, no expectations left", async () => {
    const f = await setup([]);
    f.controller.expectations.expect("default/gone", 2);

    await f.controller.sync("default/gone");

    expect(f.client.writes()).toEqual([]);
    expect(f.controller.expectations.satisfied("default/gone")).toBe(true);
  });

  it("creates no more than burstReplicas pods in one sync", async () => {
    const f = await setup([newReplicaSet("web", 10)], { burstReplicas: 3 });

    await f.controller.sync("default/web");

    expect(f.client.creates("pods")).toHaveLength(3);
  });

  it("stops at the first batch with a failed create, still writes status, and expects only the pods created", async () => {
    const f = await setup([newReplicaSet("web", 5)]);
    let n = 0;
    f.client.prependReactor("create", "pods", () => (++n === 2 ? { error: new Error("quota exceeded") } : undefined));

    await expect(f.controller.sync("default/web")).rejects.toThrow("quota exceeded");

    // Batches of 1 then 2 (the second holding the failure): no batch of 4 after it.
    expect(f.client.creates("pods")).toHaveLength(3);
    expect(f.client.statusWrites("replicasets")).toHaveLength(1);
    expect(f.controller.expectations.satisfied("default/web")).toBe(false);
  });

  it("retries a status write that conflicted once, on the fresh object", async () => {
    const f = await setup([newReplicaSet("web", 0)]);
    f.client.failNext("update", "replicasets", newConflict(rsRes, "web"));

    await f.controller.sync("default/web");

    expect(f.client.actions({ verb: "get", resource: "replicasets" })).toHaveLength(1);
    expect(f.client.statusWrites("replicasets")).toHaveLength(2);
    expect(f.client.object<ReplicaSet>(rsRes, "default", "web")?.status).toMatchObject({ replicas: 0, observedGeneration: 1 });
  });
});
