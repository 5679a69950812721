// git-sync's reconcile on the recording FakeClient (client/fake.ts) and a real git repository:
// each run's writes are counted the way Kubernetes' controller tests count them: what was
// applied, what was deleted, how many status writes, which events.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitRepository } from "../../api/gitops";
import { configmaps, deployments, gitrepositories, namespaces, services } from "../../client";
import type { KObject } from "../../api/resource";
import { FakeClient } from "../../client/fake";
import type { ObjectWithMeta } from "../../client/types";
import { createTestRepo, type TestRepo } from "../../test/fixtures/git";
import { Registry } from "prom-client";
import { RestMapper } from "./mapper";
import { gitSyncMetrics } from "./metrics";
import { Reconciler } from "./reconcile";
import { Notifier, signature } from "./notify";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const cm = (name: string, v = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;
const log = pino({ level: "silent" });
type Cm = { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data?: Record<string, string> };

let repo: TestRepo;
let cacheDir: string;
/**
 * The fake records a dry run like any patch (Action has no options); git-sync dry-runs every
 * object before it applies, so the real applies are counted here.
 */
class ApplyCountingFake extends FakeClient {
  readonly applies: string[] = [];
  override patch<T extends ObjectWithMeta = KObject>(...args: Parameters<FakeClient["patch"]>): Promise<T> {
    const [, , name, , type, opts] = args;
    if (type === "apply" && !opts?.dryRun) this.applies.push(name);
    return super.patch<T>(...args);
  }
}

let fake: ApplyCountingFake;
let events: Array<{ type: string; reason: string; message: string }>;
let reconciler: Reconciler;

beforeEach(async () => {
  repo = await createTestRepo();
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-unit-"));
  fake = new ApplyCountingFake({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  fake.add({ apiVersion: "gitops.kubelab.io/v1alpha1", kind: "GitRepository", metadata: { name: "lab", namespace: "default", generation: 1 }, spec: { url: repo.url, branch: "main", interval: "1h" } });
  events = [];
  reconciler = new Reconciler({
    client: fake,
    mapper: new RestMapper(fake, Number.POSITIVE_INFINITY).seed([configmaps, namespaces, services, deployments, gitrepositories]),
    recorder: { event: (_obj, type, reason, message) => void events.push({ type, reason, message }) },
    cacheDir,
  });
});
afterEach(() => {
  repo.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

const current = () => fake.object<GitRepository>(gitrepositories, "default", "lab")!;
const run = () => reconciler.reconcile(current(), log);
const ready = () => current().status?.conditions?.find((c) => c.type === "Ready");
/** Server-side applies that were not dry runs: the objects git-sync wrote. */
const applied = () => [...fake.applies].sort();
const names = (actions: Array<{ name?: string }>) => actions.map((a) => a.name).sort();

describe("git-sync reconcile on a fake client", () => {
  it("applies a new revision, records the inventory before the first write, and writes status once more at the end", async () => {
    const sha = await repo.commit({ "a.yaml": cm("a"), "b.yaml": cm("b") });
    expect(await run()).toMatchObject({ outcome: "Applied" });
    expect(fake.object<Cm>(configmaps, "default", "a")?.metadata.labels).toMatchObject({ "gitops.kubelab.io/source": "default.lab" });
    expect(fake.object<Cm>(configmaps, "default", "a")?.metadata.annotations?.["gitops.kubelab.io/revision"]).toBe(sha);
    // Two new objects: dry-run creates, then one apply each. Checkpoint + final status write.
    expect(names(fake.creates("configmaps"))).toEqual(["a", "b"]);
    expect(applied()).toEqual(["a", "b"]);
    expect(fake.deletes()).toEqual([]);
    expect(fake.statusWrites("gitrepositories")).toHaveLength(2);
    expect(current().status?.inventory?.map((e) => e.name)).toEqual(["a", "b"]);
    expect(ready()).toMatchObject({ status: "True", message: `Applied revision: main@sha1:${sha}` });
    expect(events.map((e) => e.reason)).toEqual(["Applied"]);
  });

  it("changes and prunes with exactly one status write when the inventory does not grow", async () => {
    await repo.commit({ "a.yaml": cm("a"), "b.yaml": cm("b") });
    await run();
    fake.clearActions();
    fake.applies.length = 0;
    events.length = 0;
    await repo.commit({ "a.yaml": cm("a", "2"), "b.yaml": null });
    expect(await run()).toMatchObject({ outcome: "Applied" });
    expect(applied()).toEqual(["a"]);
    expect(names(fake.deletes("configmaps"))).toEqual(["b"]);
    expect(fake.statusWrites("gitrepositories")).toHaveLength(1);
    expect(fake.object<Cm>(configmaps, "default", "a")?.data).toEqual({ v: "2" });
    expect(current().status?.history?.[0]).toMatchObject({ result: "Succeeded", pruned: 1 });
    expect(events.map((e) => e.reason)).toEqual(["Applied", "Pruned"]);
  });

  it("writes nothing at all when the revision and the live objects are unchanged", async () => {
    await repo.commit({ "a.yaml": cm("a") });
    await run();
    fake.clearActions();
    expect(await run()).toMatchObject({ outcome: "Unchanged" });
    expect(fake.writes()).toEqual([]);
  });

  it("restores a hand edit with one apply and one status write", async () => {
    await repo.commit({ "a.yaml": cm("a") });
    await run();
    const live = fake.object<Cm & { apiVersion: string; kind: string }>(configmaps, "default", "a")!;
    fake.tracker.update(configmaps, "default", { ...live, data: { v: "edited" } });
    fake.clearActions();
    fake.applies.length = 0;
    expect(await run()).toMatchObject({ outcome: "Healed" });
    expect(applied()).toEqual(["a"]);
    expect(fake.statusWrites("gitrepositories")).toHaveLength(1);
    expect(fake.object<Cm>(configmaps, "default", "a")?.data).toEqual({ v: "1" });
    expect(current().status?.history?.[0]?.message).toBe("drift corrected: ConfigMap default/a: data.v");
  });

  it("applies nothing from a revision with an object it did not create, and skips the same revision when triggered again", async () => {
    fake.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "handmade", namespace: "default" }, data: { v: "mine" } });
    await repo.commit({ "a.yaml": cm("a"), "h.yaml": cm("handmade") });
    expect(await run()).toMatchObject({ outcome: "Invalid" });
    expect(applied()).toEqual([]);
    expect(fake.object(configmaps, "default", "a")).toBeUndefined();
    expect(fake.object<Cm>(configmaps, "default", "handmade")?.data).toEqual({ v: "mine" });
    expect(fake.statusWrites("gitrepositories")).toHaveLength(1);
    expect(current().status?.errors).toMatchObject([{ file: "h.yaml", reason: "AdoptionRefused", name: "handmade" }]);
    expect(events).toMatchObject([{ type: "Warning", reason: "ValidationFailed" }]);
    fake.clearActions();
    expect(await run()).toMatchObject({ outcome: "Skipped" });
    expect(fake.writes()).toEqual([]);
  });

  it("writes status once and nothing else while suspended", async () => {
    await repo.commit({ "a.yaml": cm("a") });
    const r = current();
    r.spec.suspend = true;
    expect(await reconciler.reconcile(r, log)).toMatchObject({ outcome: "Suspended", requeueAfterMs: 0 });
    expect(fake.writes()).toMatchObject([{ verb: "patch", resource: "gitrepositories", subresource: "status" }]);
    expect(ready()).toMatchObject({ status: "Unknown", reason: "Suspended" });
  });

  it("counts its writes in gitsync_api_writes_total on the registry it is given", async () => {
    const registry = new Registry();
    const metrics = gitSyncMetrics(registry);
    const mapper = new RestMapper(fake, Number.POSITIVE_INFINITY).seed([configmaps, namespaces, gitrepositories]);
    const counted = new Reconciler({ client: fake, mapper, recorder: { event: () => {} }, cacheDir, metrics });
    await repo.commit({ "a.yaml": cm("a"), "b.yaml": cm("b") });
    await counted.reconcile(current(), log);
    metrics.reconciled("Applied", 0.2);
    const text = await registry.metrics();
    expect(text).toContain('gitsync_api_writes_total{operation="apply"} 2');
    expect(text).toContain('gitsync_api_writes_total{operation="status"} 2');
    expect(text).toContain('gitsync_reconcile_total{result="Applied"} 1');
    expect(text).toContain('gitsync_reconcile_duration_seconds_count{result="Applied"} 1');
    // A second git-sync on the same registry shares the series instead of failing to register.
    gitSyncMetrics(registry).wrote("delete");
    expect(await registry.metrics()).toContain('gitsync_api_writes_total{operation="delete"} 1');
  });

  it("refuses ssh without known_hosts with a stalled status and no other write", async () => {
    const r = current();
    r.spec.url = "ssh://git@127.0.0.1:1/repo.git";
    expect(await reconciler.reconcile(r, log)).toMatchObject({ outcome: "SourceFailed" });
    expect(fake.writes()).toHaveLength(1);
    expect(current().status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True", reason: "KnownHostsMissing" });
  });

  it("waits for spec.dependsOn: applies nothing until the dependency is Ready at its revision, then applies", async () => {
    const other = await createTestRepo();
    try {
      await repo.commit({ "db.yaml": cm("db") });
      await other.commit({ "app.yaml": cm("app") });
      fake.add({ apiVersion: "gitops.kubelab.io/v1alpha1", kind: "GitRepository", metadata: { name: "app", namespace: "default", generation: 1 }, spec: { url: other.url, branch: "main", interval: "1h", dependsOn: [{ name: "lab" }] } });
      const withLookup = new Reconciler({
        client: fake,
        mapper: new RestMapper(fake, Number.POSITIVE_INFINITY).seed([configmaps, namespaces, services, deployments, gitrepositories]),
        recorder: { event: (_obj, type, reason, message) => void events.push({ type, reason, message }) },
        cacheDir,
        lookup: (ns, name) => fake.object<GitRepository>(gitrepositories, ns, name),
      });
      const app = () => fake.object<GitRepository>(gitrepositories, "default", "app")!;
      const appReady = () => app().status?.conditions?.find((c) => c.type === "Ready");

      expect(await withLookup.reconcile(app(), log)).toMatchObject({ outcome: "Waiting" });
      expect(fake.object(configmaps, "default", "app")).toBeUndefined();
      expect(appReady()).toMatchObject({ status: "False", reason: "DependencyNotReady" });
      expect(appReady()?.message).toContain("dependency default/lab is not ready");

      expect(await withLookup.reconcile(current(), log)).toMatchObject({ outcome: "Applied" });
      expect(await withLookup.reconcile(app(), log)).toMatchObject({ outcome: "Applied" });
      expect(fake.object(configmaps, "default", "app")).toBeDefined();
      expect(appReady()).toMatchObject({ status: "True" });
    } finally {
      other.cleanup();
    }
  });

  it("reports a dependsOn cycle as Stalled, naming the cycle, and applies nothing", async () => {
    await repo.commit({ "a.yaml": cm("a") });
    const lab = current();
    lab.spec.dependsOn = [{ name: "lab2" }];
    fake.add({ apiVersion: "gitops.kubelab.io/v1alpha1", kind: "GitRepository", metadata: { name: "lab2", namespace: "default", generation: 1 }, spec: { url: repo.url, interval: "1h", dependsOn: [{ name: "lab" }] } });
    const cyc = new Reconciler({
      client: fake,
      mapper: new RestMapper(fake, Number.POSITIVE_INFINITY).seed([configmaps, namespaces, gitrepositories]),
      recorder: { event: (_obj, type, reason, message) => void events.push({ type, reason, message }) },
      cacheDir,
      lookup: (ns, name) => (name === "lab" ? lab : fake.object<GitRepository>(gitrepositories, ns, name)),
    });
    expect(await cyc.reconcile(lab, log)).toMatchObject({ outcome: "Waiting" });
    expect(current().status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True", reason: "DependencyCycle", message: "dependency cycle: default/lab -> default/lab2 -> default/lab" });
    expect(fake.object(configmaps, "default", "a")).toBeUndefined();
    expect(events).toContainEqual(expect.objectContaining({ type: "Warning", reason: "DependencyCycle" }));
  });

  it("notifies once when a revision fails and once more when the next one recovers, signed, with the commit", async () => {
    const got: Array<{ body: string; sig?: string }> = [];
    const rx = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ body: Buffer.concat(chunks).toString(), sig: req.headers["x-signature"] as string | undefined });
        res.end();
      });
    });
    await new Promise<void>((r) => rx.listen(0, "127.0.0.1", r));
    try {
      const address = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/`;
      fake.add({ apiVersion: "v1", kind: "Secret", metadata: { name: "hook", namespace: "default" }, data: { address: Buffer.from(address).toString("base64"), token: Buffer.from("k").toString("base64") } });
      const lab = () => ({ ...current(), spec: { ...current().spec, notify: { secretRef: { name: "hook" } } } });
      const notifier = new Notifier({ client: fake, logger: log, retry: { attempts: 2, baseMs: 10, maxMs: 10 } });
      const notifying = new Reconciler({
        client: fake,
        mapper: new RestMapper(fake, Number.POSITIVE_INFINITY).seed([configmaps, namespaces, gitrepositories]),
        recorder: { event: () => {} },
        cacheDir,
        notifier,
      });
      await repo.commit({ "a.yaml": "kind: [unclosed\n" }, "break the manifest");
      expect(await notifying.reconcile(lab(), log)).toMatchObject({ outcome: "Invalid" });
      expect(await notifying.reconcile(lab(), log)).toMatchObject({ outcome: "Skipped" });
      await notifier.drain();
      expect(got.map((g) => JSON.parse(g.body).event)).toEqual(["failed"]);
      expect(JSON.parse(got[0]!.body)).toMatchObject({ commit: { message: "break the manifest" }, errors: [{ file: "a.yaml" }] });
      expect(got[0]!.sig).toBe(signature("k", got[0]!.body));

      await repo.commit({ "a.yaml": cm("a") }, "fix it");
      expect(await notifying.reconcile(lab(), log)).toMatchObject({ outcome: "Applied" });
      await notifier.drain();
      expect(got.map((g) => JSON.parse(g.body).event)).toEqual(["failed", "applied", "recovered"]);
      expect(JSON.parse(got[1]!.body).commit.message).toBe("fix it");
    } finally {
      await new Promise<void>((r) => rx.close(() => r()));
    }
  });

  it("writes only what changed: one edited object of many is one dry run, one apply and the status", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`cm-${i}.yaml`] = cm(`cm-${i}`);
    await repo.commit(files);
    expect(await run()).toMatchObject({ outcome: "Applied" });
    expect(applied()).toHaveLength(60);
    fake.clearActions();
    fake.applies.length = 0;

    const sha = await repo.commit({ "cm-7.yaml": cm("cm-7", "2") });
    expect(await run()).toMatchObject({ outcome: "Applied" });
    expect(applied()).toEqual(["cm-7"]);
    expect(fake.actions().filter((a) => (a.verb === "patch" || a.verb === "create") && a.resource === "configmaps").map((a) => a.name)).toEqual(["cm-7", "cm-7"]);
    // A large revision records its checkpoint first, then the result: 3 writes in all.
    expect(fake.statusWrites("gitrepositories")).toHaveLength(2);
    expect(fake.writes().filter((a) => !a.options?.dryRun)).toHaveLength(3);
    expect(fake.object<Cm>(configmaps, "default", "cm-7")?.data).toEqual({ v: "2" });
    // The revision annotation names the revision that last changed each object.
    expect(fake.object<Cm>(configmaps, "default", "cm-7")?.metadata.annotations?.["gitops.kubelab.io/revision"]).toBe(sha);
    expect(fake.object<Cm>(configmaps, "default", "cm-8")?.metadata.annotations?.["gitops.kubelab.io/revision"]).not.toBe(sha);
    expect(ready()).toMatchObject({ status: "True" });
  });

  it("still applies an unchanged manifest whose live object drifted, and applies everything after a failed apply", async () => {
    await repo.commit({ "a.yaml": cm("a"), "b.yaml": cm("b") });
    await run();
    const live = fake.object<Cm & { apiVersion: string; kind: string }>(configmaps, "default", "b")!;
    await fake.update(configmaps, "default", { ...live, data: { v: "edited" } });
    fake.applies.length = 0;
    await repo.commit({ "a.yaml": cm("a", "2") });
    await run();
    expect(applied()).toEqual(["a", "b"]);
    expect(fake.object<Cm>(configmaps, "default", "b")?.data).toEqual({ v: "1" });
  });

  it("applies sync waves in order, each only once the waves before it are healthy", async () => {
    const dep = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\n  annotations:\n    gitops.kubelab.io/sync-wave: "-1"\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: db }\n  template:\n    metadata:\n      labels: { app: db }\n    spec:\n      containers: [{ name: db, image: kubelab/web:1 }]\n`;
    const app = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n    argocd.argoproj.io/sync-wave: "1"\ndata:\n  v: "1"\n`;
    await repo.commit({ "db.yaml": dep, "app.yaml": app });
    const quick = () => ({ ...current(), spec: { ...current().spec, timeout: "1s" } });
    expect(await reconciler.reconcile(quick(), log)).toMatchObject({ outcome: "ApplyFailed" });
    expect(fake.object(deployments, "default", "db")).toBeDefined();
    expect(fake.object(configmaps, "default", "app")).toBeUndefined();
    expect(ready()?.message).toContain("wave 1 not applied: wave -1 is not healthy after 1s: Deployment default/db");

    // The controller finishes the rollout: the next run applies the later wave.
    const d = fake.object<{ metadata: { generation?: number } }>(deployments, "default", "db")!;
    await fake.updateStatus(deployments, "default", {
      ...(d as object),
      status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }] },
    } as never);
    expect(await reconciler.reconcile(quick(), log)).toMatchObject({ outcome: "Applied" });
    expect(fake.object(configmaps, "default", "app")).toBeDefined();
  });

  it("rechecks a rollout in progress on the cheap path (no dry run, no apply) until it is ready, then is Ready", async () => {
    const dep = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers: [{ name: web, image: kubelab/web:1 }]\n`;
    await repo.commit({ "web.yaml": dep });
    expect(await run()).toMatchObject({ outcome: "Applied" });
    const reconciling = () => current().status?.conditions?.find((c) => c.type === "Reconciling");
    expect(reconciling()).toMatchObject({ status: "True", reason: "Progressing", message: expect.stringContaining("Deployment default/web") });
    expect(ready()).toMatchObject({ status: "Unknown", reason: "Progressing" });
    fake.clearActions();
    fake.applies.length = 0;
    expect(await run()).toMatchObject({ outcome: "Unchanged" });
    expect(fake.writes()).toEqual([]);
    expect(applied()).toEqual([]);

    const d = fake.object<{ metadata: { generation?: number } }>(deployments, "default", "web")!;
    await fake.updateStatus(deployments, "default", {
      ...(d as object),
      status: { observedGeneration: d.metadata.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }] },
    } as never);
    fake.clearActions();
    expect(await run()).toMatchObject({ outcome: "Unchanged" });
    expect(applied()).toEqual([]);
    expect(fake.statusWrites("gitrepositories")).toHaveLength(1);
    expect(ready()).toMatchObject({ status: "True", reason: "ReconciliationSucceeded" });
    expect(reconciling()?.status).toBe("False");
  });

  it("refuses a sync-wave that is not an integer, at its file", async () => {
    await repo.commit({ "a.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    gitops.kubelab.io/sync-wave: first\n` });
    expect(await run()).toMatchObject({ outcome: "Invalid" });
    expect(current().status?.errors).toEqual([expect.objectContaining({ file: "a.yaml", reason: "InvalidSyncWave", message: 'sync-wave "first" is not an integer' })]);
  });
});
