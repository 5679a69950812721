import { describe, expect, it } from "vitest";
import type { Pod } from "../api/core";
import { fakeInformers, FakeClient } from "./fake";
import { Indexer, indexByNodeName, indexByOwnerUid } from "./indexer";
import { Informer } from "./informer";
import { pods } from "./resources";

const pod = (name: string, nodeName?: string, owner?: string): Pod =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", resourceVersion: "1", ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] } : {}) },
    spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
  }) as Pod;

describe("Indexer", () => {
  it("keeps objects by key and moves them between index values on update and delete", () => {
    const idx = new Indexer<Pod>({ nodeName: indexByNodeName, owner: indexByOwnerUid });
    idx.add(pod("a", "n1", "rs1"));
    idx.add(pod("b", "n1"));
    idx.add(pod("c"));
    expect(idx.byIndex("nodeName", "n1").map((p) => p.metadata?.name)).toEqual(["a", "b"]);
    expect(idx.byIndex("nodeName", "").map((p) => p.metadata?.name)).toEqual(["c"]);
    expect(idx.byIndex("owner", "rs1").map((p) => p.metadata?.name)).toEqual(["a"]);
    const old = idx.update(pod("a", "n2", "rs1"));
    expect(old?.spec?.nodeName).toBe("n1");
    expect(idx.byIndex("nodeName", "n1").map((p) => p.metadata?.name)).toEqual(["b"]);
    expect(idx.byIndex("nodeName", "n2").map((p) => p.metadata?.name)).toEqual(["a"]);
    idx.delete(pod("b"));
    expect(idx.indexValues("nodeName").sort()).toEqual(["", "n2"]);
    expect(idx.keys().sort()).toEqual(["ns/a", "ns/c"]);
    expect(idx.get("ns/a")?.spec?.nodeName).toBe("n2");
    expect(() => idx.byIndex("nope", "x")).toThrow('indexer has no index "nope"');
  });

  it("freezes what it stores, all the way down, so a reader that changes a cached object throws", () => {
    const idx = new Indexer<Pod>({});
    const p = pod("a", "n1", "rs1");
    idx.add(p);
    const cached = idx.get("ns/a")!;
    expect(cached).toBe(p);
    expect(() => void (cached.spec!.nodeName = "n2")).toThrow(TypeError);
    expect(() => void (cached.metadata!.ownerReferences![0].uid = "x")).toThrow(TypeError);
    expect(() => void cached.metadata!.ownerReferences!.push({ apiVersion: "v1", kind: "X", name: "x", uid: "x" })).toThrow(TypeError);
    // A copy is the reader's own to change.
    const copy = structuredClone(cached);
    copy.spec!.nodeName = "n2";
    expect(idx.get("ns/a")?.spec?.nodeName).toBe("n1");
  });

  it("backs an informer that was never started: a filled indexer is what get and byIndex read", async () => {
    const indexer = new Indexer<Pod>({ nodeName: indexByNodeName });
    indexer.add(pod("a", "n1"));
    const informer = new Informer<Pod>({ client: new FakeClient(), resource: pods, indexer });
    expect(informer.get("ns/a")?.spec?.nodeName).toBe("n1");
    expect(informer.byIndex("nodeName", "n1")).toHaveLength(1);
    expect(informer.hasSynced()).toBe(false);
    informer.seed(pod("b"));
    expect(await informer.waitForSync()).toBe(true);
    const seen: string[] = [];
    informer.addEventHandler({ onAdd: (p) => seen.push(p.metadata!.name!) });
    expect(seen.sort()).toEqual(["a", "b"]);
  });

  it("fakeInformers hands out informers seeded with the fake client's objects, already synced", async () => {
    const fake = new FakeClient(pod("a", "n1"), pod("b"));
    const informers = fakeInformers(fake);
    const podInformer = informers.pods();
    expect(podInformer.hasSynced()).toBe(true);
    expect(podInformer.byIndex("nodeName", "n1").map((p) => p.metadata?.name)).toEqual(["a"]);
    expect(informers.nodes().list()).toEqual([]);
    expect(await informers.waitForSync()).toBe(true);
    expect(fake.actions()).toEqual([]);
  });
});
