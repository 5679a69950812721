import { describe, expect, it } from "vitest";
import type { Pod } from "../api/core";
import { isAlreadyExists, isConflict, isNotFound, newConflict } from "./errors";
import { FakeClient } from "./fake";
import { Informer } from "./informer";
import { namespaces, pods, replicasets } from "./resources";
import { eventually } from "../test/fixtures/wait";

const pod = (name: string, extra: Partial<Pod> = {}): Pod =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] }, ...extra }) as Pod;

describe("FakeClient", () => {
  it("records every call as an action and counts creates, updates, deletes and status writes", async () => {
    const fake = new FakeClient(pod("seeded"));
    expect(fake.actions()).toEqual([]);
    await fake.create(pods, "default", pod("a"));
    const a = await fake.get<Pod>(pods, "default", "a");
    const b = await fake.update(pods, "default", { ...a, metadata: { ...a.metadata, labels: { app: "db" } } });
    await fake.updateStatus(pods, "default", { ...b, status: { phase: "Running" } });
    await fake.patchSubresource(pods, "default", "a", "status", { status: { phase: "Succeeded" } }, "merge");
    await fake.delete(pods, "default", "seeded");
    await fake.createBinding("default", "a", "node-1");
    expect(fake.creates("pods").map((x) => x.name)).toEqual(["a"]);
    expect(fake.updates("pods")).toHaveLength(1);
    expect(fake.statusWrites("pods")).toHaveLength(2);
    expect(fake.deletes("pods").map((x) => x.name)).toEqual(["seeded"]);
    expect(fake.actions({ verb: "create", subresource: "binding" })[0]).toMatchObject({ resource: "pods", namespace: "default", name: "a" });
    expect(fake.actions({ verb: "get" })).toHaveLength(1);
    expect(fake.writes()).toHaveLength(6);
    const stored = fake.object<Pod>(pods, "default", "a")!;
    expect(stored.metadata?.labels).toEqual({ app: "db" });
    expect(stored.status?.phase).toBe("Succeeded");
    expect(stored.spec?.nodeName).toBe("node-1");
    fake.clearActions();
    expect(fake.actions()).toEqual([]);
  });

  it("answers as the API server does: NotFound, AlreadyExists, Conflict on a stale resourceVersion", async () => {
    const fake = new FakeClient(pod("a"));
    await expect(fake.get(pods, "default", "missing")).rejects.toSatisfy(isNotFound);
    await expect(fake.get(pods, "default", "missing")).rejects.toThrow('pods "missing" not found');
    await expect(fake.create(pods, "default", pod("a"))).rejects.toSatisfy(isAlreadyExists);
    const live = await fake.get<Pod>(pods, "default", "a");
    const first = await fake.update(pods, "default", { ...live, metadata: { ...live.metadata, labels: { v: "1" } } });
    expect(Number(first.metadata?.resourceVersion)).toBeGreaterThan(Number(live.metadata?.resourceVersion));
    await expect(fake.update(pods, "default", { ...live, metadata: { ...live.metadata, labels: { v: "2" } } })).rejects.toSatisfy(isConflict);
    await expect(fake.patch(pods, "default", "a", { metadata: { resourceVersion: live.metadata?.resourceVersion, labels: { v: "3" } } }, "merge")).rejects.toSatisfy(isConflict);
    await expect(fake.createBinding("default", "a", "n1").then(() => fake.createBinding("default", "a", "n2"))).rejects.toSatisfy(isConflict);
  });

  it("fills uid, generateName and generation, keeps status on a main update, and bumps nothing on a no-op", async () => {
    const fake = new FakeClient();
    const made = await fake.create<Pod>(pods, "default", { ...pod(""), metadata: { generateName: "web-", namespace: "default" } });
    expect(made.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(made.metadata?.uid).toBeTruthy();
    expect(made.metadata?.generation).toBe(1);
    const withStatus = await fake.updateStatus(pods, "default", { ...made, status: { phase: "Running" } });
    const same = await fake.update(pods, "default", { ...withStatus, status: { phase: "Failed" } });
    expect(same.status?.phase).toBe("Running");
    expect(same.metadata?.resourceVersion).toBe(withStatus.metadata?.resourceVersion);
    const respec = await fake.update(pods, "default", { ...same, spec: { ...same.spec!, nodeName: "x" } });
    expect(respec.metadata?.generation).toBe(2);
  });

  it("marks an object with finalizers as deleting and removes it when the last finalizer goes", async () => {
    const fake = new FakeClient({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" }, spec: { finalizers: ["kubernetes"] } } as never);
    await fake.patch(namespaces, undefined, "team", { metadata: { finalizers: ["example.com/hold"] } }, "merge");
    const deleting = (await fake.delete(namespaces, undefined, "team")) as { metadata: { deletionTimestamp?: string } };
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    expect(fake.object(namespaces, undefined, "team")).toBeDefined();
    await fake.patch(namespaces, undefined, "team", { metadata: { finalizers: null } }, "merge");
    expect(fake.object(namespaces, undefined, "team")).toBeUndefined();
    await fake.create(pods, "default", { ...pod("p"), metadata: { ...pod("p").metadata, uid: "u1" } });
    await expect(fake.delete(pods, "default", "p", { preconditions: { uid: "other" } })).rejects.toSatisfy(isConflict);
    expect(fake.deletes("pods").at(-1)?.options).toEqual({ preconditions: { uid: "other" } });
  });

  it("keeps a seeded object as given, deletionTimestamp included, and records each call's options", async () => {
    const deleting = pod("old", { metadata: { name: "old", namespace: "default", deletionTimestamp: "2026-12-01T20:00:00Z", finalizers: ["x/y"], generation: 7 } });
    const fake = new FakeClient(deleting);
    const seeded = fake.object<Pod>(pods, "default", "old")!;
    expect(seeded.metadata).toMatchObject({ deletionTimestamp: "2026-12-01T20:00:00Z", generation: 7, finalizers: ["x/y"] });
    await fake.patch(pods, "default", "old", { metadata: { labels: { a: "b" } } }, "apply", { fieldManager: "kubelab-gitsync", force: true, dryRun: true });
    expect(fake.actions({ verb: "patch" })[0]?.options).toEqual({ fieldManager: "kubelab-gitsync", force: true, dryRun: true });
    expect(fake.object<Pod>(pods, "default", "old")?.metadata?.labels).toBeUndefined(); // dry run
  });

  it("lets a reactor inject a conflict on the first update only", async () => {
    const fake = new FakeClient(pod("a"));
    fake.failNext("update", "pods", newConflict(pods, "a"));
    const live = await fake.get<Pod>(pods, "default", "a");
    await expect(fake.update(pods, "default", live)).rejects.toSatisfy(isConflict);
    await expect(fake.update(pods, "default", { ...live, metadata: { ...live.metadata, labels: { ok: "1" } } })).resolves.toBeDefined();
    fake.prependReactor("create", "replicasets", (a) => ({ object: { ...(a.object as object), metadata: { name: "from-reactor" } } }));
    const rs = await fake.create(replicasets, "default", { metadata: { name: "x" } });
    expect(rs.metadata?.name).toBe("from-reactor");
    expect(fake.object(replicasets, "default", "x")).toBeUndefined();
    expect(fake.updates("pods")).toHaveLength(2);
  });

  it("filters lists by label and field selectors", async () => {
    const fake = new FakeClient(pod("a"), pod("b", { metadata: { name: "b", namespace: "default", labels: { app: "db" } } }), pod("c", { metadata: { name: "c", namespace: "other", labels: { app: "web" } } }));
    const names = async (opts: object, ns?: string) => (await fake.list(pods, ns, opts)).items.map((p) => p.metadata.name);
    expect(await names({ labelSelector: "app=web" })).toEqual(["a", "c"]);
    expect(await names({ labelSelector: "app in (db, cache)" })).toEqual(["b"]);
    expect(await names({ labelSelector: "app!=web" }, "default")).toEqual(["b"]);
    expect(await names({ fieldSelector: "metadata.name=c" })).toEqual(["c"]);
  });

  it("serves list and watch to an informer, which sees later writes", async () => {
    const fake = new FakeClient(pod("a"));
    const informer = new Informer<Pod>({ client: fake, resource: pods });
    const ctrl = new AbortController();
    informer.start(ctrl.signal);
    try {
      expect(await informer.waitForSync(ctrl.signal)).toBe(true);
      expect(informer.keys()).toEqual(["default/a"]);
      await fake.create(pods, "default", pod("b"));
      await fake.delete(pods, "default", "a");
      await eventually(() => informer.keys().join() === "default/b", 5000, "the informer to see b added and a deleted");
    } finally {
      ctrl.abort();
    }
  });
});
