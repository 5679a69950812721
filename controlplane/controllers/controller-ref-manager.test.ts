import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/core";
import { pods as podsRes } from "../../client";
import { FakeClient } from "../../client/fake";
import { claimAction, ControllerRefManager, type Claimable, type ClaimOwner } from "./controller-ref-manager";
import { newPod, newReplicaSet } from "./testing";

const owner = (o: { deleting?: boolean } = {}): ClaimOwner => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web", namespace: "default", uid: "rs-uid", ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
});
const rule = { selector: { matchLabels: { app: "web" } } };

const obj = (o: { app?: string; ownerUid?: string; controller?: boolean; deleting?: boolean; namespace?: string } = {}): Claimable => ({
  metadata: {
    name: "p",
    namespace: o.namespace ?? "default",
    labels: { app: o.app ?? "web" },
    ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    ...(o.ownerUid ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: o.ownerUid, controller: o.controller ?? true }] } : {}),
  },
});

describe("claiming objects for an owner", () => {
  it("keeps what it controls and what still matches, even while the owner is being deleted", () => {
    expect(claimAction(owner(), rule, obj({ ownerUid: "rs-uid" }))).toBe("own");
    expect(claimAction(owner({ deleting: true }), rule, obj({ ownerUid: "rs-uid" }))).toBe("own");
  });

  it("adopts a matching orphan, but not while either side is being deleted", () => {
    expect(claimAction(owner(), rule, obj())).toBe("adopt");
    expect(claimAction(owner({ deleting: true }), rule, obj())).toBe("ignore");
    expect(claimAction(owner(), rule, obj({ deleting: true }))).toBe("ignore");
  });

  it("adopts an object whose only owner reference is not a controller reference", () => {
    expect(claimAction(owner(), rule, obj({ ownerUid: "other", controller: false }))).toBe("adopt");
  });

  it("leaves orphans alone that do not match, live in another namespace, or fail the owner's own rule", () => {
    expect(claimAction(owner(), rule, obj({ app: "db" }))).toBe("ignore");
    expect(claimAction(owner(), rule, obj({ namespace: "other" }))).toBe("ignore");
    expect(claimAction(owner(), { ...rule, adoptable: () => false }, obj())).toBe("ignore");
    expect(claimAction(owner(), { selector: undefined }, obj())).toBe("ignore");
  });

  it("releases what it controls once the labels stop matching, unless the object is going away", () => {
    expect(claimAction(owner(), rule, obj({ ownerUid: "rs-uid", app: "db" }))).toBe("release");
    expect(claimAction(owner(), rule, obj({ ownerUid: "rs-uid", app: "db", deleting: true }))).toBe("ignore");
  });

  it("never touches what another controller controls, matching or not", () => {
    expect(claimAction(owner(), rule, obj({ ownerUid: "other" }))).toBe("ignore");
    expect(claimAction(owner(), rule, obj({ ownerUid: "other", app: "db" }))).toBe("ignore");
  });
});

describe("ControllerRefManager.claim", () => {
  const rs = newReplicaSet("web", 2);
  const manager = (client: FakeClient) =>
    new ControllerRefManager<Pod>({ client, resource: podsRes, owner: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: rs.metadata }, selector: rs.spec.selector });

  it("patches the controller reference onto an adopted orphan, conditional on the resourceVersion it saw", async () => {
    const client = new FakeClient();
    const orphan = client.add(newPod("orphan", { labels: { app: "web" } }));

    const owned = await manager(client).claim([orphan]);

    expect(owned.map((p) => p.metadata.name)).toEqual(["orphan"]);
    const patch = client.updates("pods")[0]!.object as Pod;
    expect(patch.metadata.resourceVersion).toBe(orphan.metadata.resourceVersion);
    expect(client.object<Pod>(podsRes, "default", "orphan")?.metadata.ownerReferences).toEqual([
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
  });

  it("leaves out an orphan that changed or went away before the patch, and throws other errors", async () => {
    const client = new FakeClient();
    // What the cache holds: "stale" from before someone relabelled it, "gone" already deleted.
    const stale = client.add(newPod("changed", { labels: { app: "web" } }));
    client.tracker.update(podsRes, "default", { ...stale, metadata: { ...stale.metadata, labels: { app: "web", v: "2" } } });
    const gone = newPod("gone", { labels: { app: "web" } });

    expect(await manager(client).claim([stale, gone])).toEqual([]);
    expect(client.object<Pod>(podsRes, "default", "changed")?.metadata.ownerReferences).toBeUndefined();

    client.failNext("patch", "pods", new Error("connection reset"));
    await expect(manager(client).claim([client.object<Pod>(podsRes, "default", "changed")!])).rejects.toThrow("connection reset");
  });
});

describe("claimAction over any object", () => {
  const arbitraryObject = fc.record({
    app: fc.constantFrom("web", "db"),
    ownerUid: fc.option(fc.constantFrom("rs-uid", "other"), { nil: undefined }),
    controller: fc.boolean(),
    deleting: fc.boolean(),
    namespace: fc.constantFrom("default", "other"),
  });

  it("writes only to objects it controls or orphans, and owns only what it controls and matches", () => {
    fc.assert(
      fc.property(arbitraryObject, fc.boolean(), (o, ownerDeleting) => {
        const target = obj(o);
        const action = claimAction(owner({ deleting: ownerDeleting }), rule, target);
        const ref = target.metadata.ownerReferences?.find((r) => r.controller);
        if (ref && ref.uid !== "rs-uid") expect(action).toBe("ignore");
        if (action === "own") expect(ref?.uid === "rs-uid" && o.app === "web").toBe(true);
        if (action === "adopt") expect(!ref && o.app === "web" && !o.deleting && !ownerDeleting && o.namespace === "default").toBe(true);
        if (action === "release") expect(ref?.uid === "rs-uid" && o.app !== "web" && !o.deleting).toBe(true);
      }),
      { seed: 18, numRuns: 500 },
    );
  });
});
