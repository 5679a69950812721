import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/fixtures/server";
import { eventually } from "../test/fixtures/wait";
import { isAlreadyExists, isConflict, isConnectionError, isInvalid, isNotFound, type ApiStatus, ApiStatusError, ConnectionError } from "./errors";
import { RestClient } from "./rest";
import { configmaps, namespaces, pods } from "./resources";

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; uid?: string };
  data?: Record<string, string>;
}

interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec: { nodeName?: string; containers: Array<{ name: string; image: string }> };
  status?: { phase?: string; message?: string };
}

let server: TestServer;
let client: RestClient;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe("RestClient against the real API server", () => {
  it("creates, reads, updates, patches and deletes an object", async () => {
    const created = await client.create<ConfigMap>(configmaps, "default", cm("crud", { a: "1" }));
    expect(created.metadata.resourceVersion).toBeTruthy();
    expect(created.metadata.uid).toBeTruthy();

    const got = await client.get<ConfigMap>(configmaps, "default", "crud");
    expect(got.data).toEqual({ a: "1" });

    const updated = await client.update<ConfigMap>(configmaps, "default", { ...got, data: { a: "2" } });
    expect(updated.data).toEqual({ a: "2" });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));

    const merged = await client.patch<ConfigMap>(configmaps, "default", "crud", { data: { b: "3" } }, "merge");
    expect(merged.data).toEqual({ a: "2", b: "3" });

    const jsonPatched = await client.patch<ConfigMap>(configmaps, "default", "crud", [{ op: "remove", path: "/data/a" }], "json");
    expect(jsonPatched.data).toEqual({ b: "3" });

    const strategic = await client.patch<ConfigMap>(configmaps, "default", "crud", { data: { c: "4" } }, "strategic");
    expect(strategic.data).toEqual({ b: "3", c: "4" });

    await client.delete(configmaps, "default", "crud");
    await expect(client.get(configmaps, "default", "crud")).rejects.toSatisfy(isNotFound);
  });

  it("creates and updates with server-side apply under a field manager", async () => {
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied", namespace: "default" }, data: { k: "v1" } };
    const first = await client.patch<ConfigMap>(configmaps, "default", "applied", body, "apply", { fieldManager: "client-test" });
    expect(first.data).toEqual({ k: "v1" });
    const second = await client.patch<ConfigMap>(configmaps, "default", "applied", { ...body, data: { k: "v2" } }, "apply", {
      fieldManager: "client-test",
      force: true,
    });
    expect(second.data).toEqual({ k: "v2" });
    await expect(client.patch(configmaps, "default", "applied", body, "apply")).rejects.toThrow(/fieldManager/);
  });

  it("tells NotFound, AlreadyExists, Conflict and Invalid apart with the server's Status", async () => {
    const err = await client.get(configmaps, "default", "does-not-exist").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiStatusError);
    const status = (err as ApiStatusError).status;
    expect(status).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
    expect(status.message).toContain('"does-not-exist" not found');
    expect(isConflict(err)).toBe(false);

    const first = await client.create<ConfigMap>(configmaps, "default", cm("twice"));
    const dup = await client.create(configmaps, "default", cm("twice")).catch((e: unknown) => e);
    expect(isAlreadyExists(dup)).toBe(true);
    expect(isConflict(dup)).toBe(false);

    await client.update<ConfigMap>(configmaps, "default", { ...first, data: { x: "1" } });
    const stale = await client.update<ConfigMap>(configmaps, "default", { ...first, data: { x: "2" } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const bad = await client.create(configmaps, "default", cm("Not_A_Valid_Name")).catch((e: unknown) => e);
    expect(isInvalid(bad)).toBe(true);
    expect((bad as ApiStatusError).details?.causes?.[0]?.field).toBe("metadata.name");
  });

  it("lists page by page and by label selector", async () => {
    await client.create(namespaces, undefined, { metadata: { name: "paging" } });
    for (let i = 0; i < 7; i++) {
      await client.create(configmaps, "paging", cm(`item-${i}`, {}, { parity: i % 2 ? "odd" : "even" }));
    }
    const page1 = await client.list<ConfigMap>(configmaps, "paging", { limit: 3 });
    expect(page1.items).toHaveLength(3);
    expect(page1.metadata.continue).toBeTruthy();
    expect(page1.metadata.resourceVersion).toBeTruthy();
    const names: string[] = page1.items.map((i) => i.metadata.name);
    let cont = page1.metadata.continue;
    while (cont) {
      const page = await client.list<ConfigMap>(configmaps, "paging", { limit: 3, continue: cont });
      names.push(...page.items.map((i) => i.metadata.name));
      cont = page.metadata.continue;
    }
    expect(names.sort()).toEqual(["item-0", "item-1", "item-2", "item-3", "item-4", "item-5", "item-6"]);

    const all = await client.listAll<ConfigMap>(configmaps, "paging", { limit: 2 });
    expect(all.items).toHaveLength(7);

    const odd = await client.list<ConfigMap>(configmaps, "paging", { labelSelector: "parity=odd" });
    expect(odd.items.map((i) => i.metadata.name).sort()).toEqual(["item-1", "item-3", "item-5"]);

    const byName = await client.list<ConfigMap>(configmaps, "paging", { fieldSelector: "metadata.name=item-4" });
    expect(byName.items.map((i) => i.metadata.name)).toEqual(["item-4"]);

    const everywhere = await client.list<ConfigMap>(configmaps, undefined, { labelSelector: "parity" });
    expect(everywhere.items.length).toBeGreaterThanOrEqual(7);
  });

  it("binds a pod to a node and writes its status through the status subresource", async () => {
    const pod: Pod = { metadata: { name: "bind-me" }, spec: { containers: [{ name: "c", image: "busybox" }] } };
    await client.create<Pod>(pods, "default", pod);
    await client.createBinding("default", "bind-me", "node-1");
    const bound = await client.get<Pod>(pods, "default", "bind-me");
    expect(bound.spec.nodeName).toBe("node-1");

    const withStatus = await client.updateStatus<Pod>(pods, "default", { ...bound, status: { phase: "Running" } });
    expect(withStatus.status?.phase).toBe("Running");

    const deleted = await client.delete<Pod>(pods, "default", "bind-me", { gracePeriodSeconds: 0 });
    expect(["Pod", "Status"]).toContain((deleted as ApiStatus | Pod).kind);
  });

  it("rejects a delete whose precondition does not hold", async () => {
    await client.create(configmaps, "default", cm("guarded"));
    const err = await client
      .delete(configmaps, "default", "guarded", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } })
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    await client.get(configmaps, "default", "guarded");
  });

  it("dry-run writes change nothing", async () => {
    const dry = await client.create<ConfigMap>(configmaps, "default", cm("dry"), { dryRun: true });
    expect(dry.metadata.name).toBe("dry");
    await expect(client.get(configmaps, "default", "dry")).rejects.toSatisfy(isNotFound);
  });

  it("answers raw calls with parsed JSON", async () => {
    const version = await client.raw<{ major: string; minor: string }>("GET", "/version");
    expect(version.major).toBe("1");
  });
});

describe("RestClient when the server does not answer", () => {
  let blackHole: Server;
  let sockets: Socket[] = [];
  let blackHolePort = 0;

  beforeAll(async () => {
    blackHole = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, "127.0.0.1", r));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    await new Promise<void>((r) => blackHole.close(() => r()));
  });

  it("reports a refused connection as a connection error, not an API error", async () => {
    const gone = new RestClient({ server: `http://127.0.0.1:${await closedPort()}` });
    const err = await gone.get(pods, "default", "x").catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    expect((err as ConnectionError).kind).toBe("network");
    expect(isNotFound(err)).toBe(false);
  });

  it("gives up after the call's timeout", async () => {
    const slow = new RestClient({ server: `http://127.0.0.1:${blackHolePort}` });
    const err = await slow.get(pods, "default", "x", { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    expect((err as ConnectionError).kind).toBe("timeout");
  });

  it("stops a call when its signal aborts", async () => {
    const slow = new RestClient({ server: `http://127.0.0.1:${blackHolePort}` }, { timeoutMs: 0 });
    const ac = new AbortController();
    const before = sockets.length;
    const call = slow.list(pods, "default", { signal: ac.signal });
    // Abort once the request is on the wire (the black hole has its connection).
    await eventually(() => sockets.length > before, 5000, "the connection to the black hole");
    ac.abort(new Error("caller gave up"));
    await expect(call).rejects.toThrow("caller gave up");
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
