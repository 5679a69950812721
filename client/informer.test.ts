import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../test/fixtures/server";
import { indexByNamespace, indexByNodeName } from "./indexer";
import { FakeClient } from "./fake";
import { Informer, informerCensus, type EventHandlers } from "./informer";
import { SharedInformers } from "./informer-factory";
import { cacheTransform } from "./reflector";
import { RestClient } from "./rest";
import type { ObjectWithMeta } from "./types";
import { configmaps, namespaces, pods } from "./resources";
import { freePort, startCompactableServer, type CompactableServer } from "../test/fixtures/compactable-server";
import { eventually } from "../test/fixtures/wait";

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec: { nodeName?: string; containers: Array<{ name: string; image: string }> };
}

/** Records what handlers were told, as "add ns/name", "update ns/name v=.." and "delete ns/name". */
function recorder(): { handlers: EventHandlers<ConfigMap>; log: string[] } {
  const log: string[] = [];
  const id = (o: ConfigMap) => `${o.metadata.namespace}/${o.metadata.name}`;
  return {
    log,
    handlers: {
      onAdd: (o) => log.push(`add ${id(o)}`),
      onUpdate: (old, o) => log.push(`update ${id(o)} ${old.data?.v ?? ""}->${o.data?.v ?? ""}`),
      onDelete: (o) => log.push(`delete ${id(o)}`),
    },
  };
}

let srv: CompactableServer;
let client: RestClient;
const stops: AbortController[] = [];

beforeAll(async () => {
  srv = await startCompactableServer();
  client = RestClient.fromKubeconfig(srv.kubeconfig);
}, 60_000);

afterAll(async () => {
  for (const s of stops) s.abort();
  await srv?.stop();
});

function running<T extends ConfigMap | Pod>(informer: Informer<T>): AbortController {
  const ac = new AbortController();
  stops.push(ac);
  informer.start(ac.signal);
  return ac;
}

async function makeNamespace(name: string): Promise<void> {
  await client.create(namespaces, undefined, { metadata: { name } });
}

describe("Informer against the real API server", () => {
  it("lists in pages, then keeps its cache and handlers current through adds, updates and deletes", async () => {
    await makeNamespace("inf-basic");
    for (const name of ["a", "b", "c", "d", "e"]) await client.create(configmaps, "inf-basic", { metadata: { name }, data: { v: "0" } });
    const informer = new Informer<ConfigMap>({ client, resource: configmaps, namespace: "inf-basic", pageSize: 2 });
    const { handlers, log } = recorder();
    informer.addEventHandler(handlers);
    expect(informer.hasSynced()).toBe(false);
    const ac = running(informer);
    expect(await informer.waitForSync(ac.signal)).toBe(true);
    expect(informer.keys().sort()).toEqual(["inf-basic/a", "inf-basic/b", "inf-basic/c", "inf-basic/d", "inf-basic/e"]);
    expect(log.filter((l) => l.startsWith("add")).length).toBe(5);
    expect(informer.get("inf-basic/a")?.kind).toBe("ConfigMap");

    log.length = 0;
    await client.create(configmaps, "inf-basic", { metadata: { name: "f" }, data: { v: "1" } });
    await client.patch(configmaps, "inf-basic", "a", { data: { v: "2" } }, "merge");
    await client.delete(configmaps, "inf-basic", "b");
    await eventually(() => log.length >= 3, { timeoutMs: 10_000, intervalMs: 20, what: "three events" });
    expect(log).toEqual(["add inf-basic/f", "update inf-basic/a 0->2", "delete inf-basic/b"]);
    expect(informer.get("inf-basic/b")).toBeUndefined();
    expect(informer.get("inf-basic/a")?.data?.v).toBe("2");

    const late = recorder();
    informer.addEventHandler(late.handlers);
    expect(late.log.sort()).toEqual(["add inf-basic/a", "add inf-basic/c", "add inf-basic/d", "add inf-basic/e", "add inf-basic/f"]);
  });

  it("indexes pods by node and moves them when they are bound", async () => {
    await makeNamespace("inf-index");
    const pod = (name: string, nodeName?: string): Pod => ({
      metadata: { name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] },
    });
    await client.create(pods, "inf-index", pod("p1", "node-a"));
    await client.create(pods, "inf-index", pod("p2", "node-a"));
    await client.create(pods, "inf-index", pod("p3"));
    const informer = new Informer<Pod>({ client, resource: pods, namespace: "inf-index", indexers: { nodeName: indexByNodeName } });
    const ac = running(informer);
    await informer.waitForSync(ac.signal);
    const names = (node: string) => informer.byIndex("nodeName", node).map((p) => p.metadata.name).sort();
    expect(names("node-a")).toEqual(["p1", "p2"]);
    expect(names("")).toEqual(["p3"]);
    await client.createBinding("inf-index", "p3", "node-b");
    await eventually(() => names("node-b").length === 1, { timeoutMs: 10_000, intervalMs: 20, what: "p3 indexed on node-b" });
    expect(names("")).toEqual([]);
    await client.delete(pods, "inf-index", "p1", { gracePeriodSeconds: 0 });
    await eventually(() => names("node-a").length === 1, { timeoutMs: 10_000, intervalMs: 20, what: "p1 gone from node-a" });
    expect(() => informer.byIndex("nope", "x")).toThrow(/no index/);
  });

  it("a shared informer hands every asker one frozen copy of each pod, without managedFields", async () => {
    await makeNamespace("inf-shared");
    await client.create(pods, "inf-shared", { metadata: { name: "p1" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    const stored = await client.get<Pod & { metadata: { managedFields?: unknown[] } }>(pods, "inf-shared", "p1");
    expect(stored.metadata.managedFields?.length).toBeGreaterThan(0);
    const factory = new SharedInformers(client);
    const ac = new AbortController();
    stops.push(ac);
    factory.start(ac.signal);
    const seen: object[] = [];
    factory.pods().addEventHandler({ onAdd: (p) => seen.push(p), onUpdate: (_o, p) => seen.push(p) });
    expect(await factory.waitForSync(ac.signal)).toBe(true);
    expect(factory.pods()).toBe(factory.pods());
    const cached = factory.pods().get("inf-shared/p1")!;
    expect(cached.metadata).not.toHaveProperty("managedFields");
    expect(cached.metadata.name).toBe("p1");
    expect(seen).toContain(cached);
    expect(() => {
      cached.spec!.containers[0].image = "changed";
    }).toThrow(TypeError);
    expect(factory.pods().get("inf-shared/p1")!.spec!.containers[0].image).toBe("busybox");
    // A change comes in as a new object, frozen and stripped too.
    await client.patch(pods, "inf-shared", "p1", { metadata: { labels: { v: "2" } } }, "merge");
    await eventually(() => factory.pods().get("inf-shared/p1") !== cached, { timeoutMs: 10_000, intervalMs: 20, what: "the patched pod cached" });
    const next = factory.pods().get("inf-shared/p1")!;
    expect(Object.isFrozen(next.metadata)).toBe(true);
    expect(next.metadata?.labels).toEqual({ v: "2" });
    expect(next.metadata).not.toHaveProperty("managedFields");
    expect(informerCensus().filter((i) => i.informer === "pods" && i.objects > 0).length).toBeGreaterThan(0);
  });

  it("re-delivers every cached object as an update on each resync period", async () => {
    await makeNamespace("inf-resync");
    await client.create(configmaps, "inf-resync", { metadata: { name: "r" }, data: { v: "1" } });
    const informer = new Informer<ConfigMap>({ client, resource: configmaps, namespace: "inf-resync", resyncPeriodMs: 100 });
    const { handlers, log } = recorder();
    informer.addEventHandler(handlers);
    running(informer);
    await eventually(() => log.filter((l) => l === "update inf-resync/r 1->1").length >= 2, { timeoutMs: 10_000, intervalMs: 20, what: "two resyncs" });
  });

  it("keeps up across a server restart", async () => {
    await makeNamespace("inf-restart");
    const informer = new Informer<ConfigMap>({ client, resource: configmaps, namespace: "inf-restart", backoff: { initialMs: 50, maxMs: 200 } });
    const { handlers, log } = recorder();
    informer.addEventHandler(handlers);
    const ac = running(informer);
    await informer.waitForSync(ac.signal);
    await srv.server.restart();
    await client.create(configmaps, "inf-restart", { metadata: { name: "after-restart" } });
    await eventually(() => log.includes("add inf-restart/after-restart"), { timeoutMs: 15_000, intervalMs: 20, what: "object created after the restart" });
  }, 60_000);

  it("relists after its resourceVersion was compacted and tells handlers what changed meanwhile", async () => {
    await makeNamespace("inf-gone");
    for (const name of ["keep", "change", "remove"]) await client.create(configmaps, "inf-gone", { metadata: { name }, data: { v: "1" } });
    const informer = new Informer<ConfigMap>({ client, resource: configmaps, namespace: "inf-gone", backoff: { initialMs: 50, maxMs: 200 } });
    const { handlers, log } = recorder();
    informer.addEventHandler(handlers);
    const ac = running(informer);
    await informer.waitForSync(ac.signal);
    const rvBefore = informer.lastSyncResourceVersion();
    log.length = 0;

    await srv.compactWhileDown(async () => {
      // While the informer cannot reach the server, change things through another server
      // process on the same data, then the history is compacted.
      const side = await startTestServer({ dataDir: srv.server.dataDir, args: ["--disable-controllers", "all"] });
      try {
        const other = new RestClient({ server: side.url });
        await other.patch(configmaps, "inf-gone", "change", { data: { v: "2" } }, "merge");
        await other.delete(configmaps, "inf-gone", "remove");
        await other.create(configmaps, "inf-gone", { metadata: { name: "new" }, data: { v: "1" } });
      } finally {
        await side.stop();
      }
    });
    await eventually(() => log.length >= 3, { timeoutMs: 15_000, intervalMs: 20, what: "relist" });
    expect(log.sort()).toEqual(["add inf-gone/new", "delete inf-gone/remove", "update inf-gone/change 1->2"]);
    expect(informer.keys().sort()).toEqual(["inf-gone/change", "inf-gone/keep", "inf-gone/new"]);
    expect(Number(informer.lastSyncResourceVersion())).toBeGreaterThan(Number(rvBefore));
  }, 60_000);

  it("waitForSync gives up when stopped while the server is unreachable", async () => {
    let lists = 0;
    const nowhere = new (class extends RestClient {
      override list<T extends ObjectWithMeta>(...args: Parameters<RestClient["list"]>) {
        lists++;
        return super.list<T>(...args);
      }
    })({ server: `http://127.0.0.1:${await freePort()}` });
    const informer = new Informer<ConfigMap>({ client: nowhere, resource: configmaps, backoff: { initialMs: 20, maxMs: 40 } });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    const synced = informer.waitForSync(ac.signal);
    // Stop it once it has failed and retried.
    await eventually(() => lists >= 2, 5000, "a retried list");
    ac.abort();
    expect(await synced).toBe(false);
    await run;
    expect(informer.hasSynced()).toBe(false);
  });
});

describe("Informer.addIndexers", () => {
  it("indexes what the cache already holds and what comes later; the same index twice is kept, another under its name refused", () => {
    const informer = new Informer<ObjectWithMeta>({ client: new FakeClient(), resource: configmaps });
    const cm = (namespace: string, name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace, name } });
    informer.seed(cm("a", "one"));
    informer.addIndexers({ ns: indexByNamespace });
    informer.indexer.add(cm("a", "two"));
    informer.indexer.add(cm("b", "three"));
    expect(informer.byIndex("ns", "a").map((o) => o.metadata?.name).sort()).toEqual(["one", "two"]);
    informer.addIndexers({ ns: indexByNamespace });
    expect(informer.byIndex("ns", "b")).toHaveLength(1);
    expect(() => informer.addIndexers({ ns: () => [] })).toThrow(/already has an index "ns"/);
  });
});

describe("cacheTransform", () => {
  it("drops managedFields and keeps every other value as it was, frozen parts untouched", () => {
    const pod = () => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1", namespace: "default", uid: "0f4c1e9a-5b2d-4c1e-9a5b-2d4c1e9a5b2d", managedFields: [{ manager: "kubelab-controller-manager", operation: "Update" }] },
      spec: { containers: [{ name: "web", image: "kubelab/web:1", terminationMessagePath: "/dev/termination-log" }], tolerations: [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }] },
      status: { conditions: [{ type: "PodReadyToStartContainers", status: "True" }], hostIPs: Object.freeze([Object.freeze({ ip: "10.0.0.1" })]) },
    });
    const input = pod();
    const { managedFields: _dropped, ...metadata } = pod().metadata;
    const out = cacheTransform(input);
    expect(out).toEqual({ ...pod(), metadata });
    expect(input.metadata.managedFields).toHaveLength(1);
    expect(cacheTransform(pod())).toEqual(out);
  });
});
