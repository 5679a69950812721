// GET and LIST from the API server's watch cache, with Kubernetes' resourceVersion rules: a paged
// list sees its first page's snapshot however the collection changes between pages, "0" and N
// and Exact mean what they mean on Kubernetes, a consistent read right after a write sees it, and
// what the server can no longer answer is 410 with Kubernetes' own message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";
import { startCompactableServer } from "./fixtures/compactable-server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
  await send("POST", `${server.url}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: "paging" } });
});
afterAll(async () => {
  await server?.stop();
});

const cms = (ns = "paging") => `${server.url}/api/v1/namespaces/${ns}/configmaps`;

async function send(method: string, url: string, body?: object) {
  const res = await fetch(url, { method, headers: { "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as any };
}

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { v: "1" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data,
});

const names = (list: any): string[] => list.items.map((i: any) => i.metadata.name);

describe("lists paged with limit and continue", () => {
  it("every page comes from the first page's snapshot while objects are created, changed and deleted between pages", async () => {
    for (let i = 0; i < 10; i++) expect((await send("POST", cms(), configMap(`cm-${i}`))).status).toBe(201);
    const first = await send("GET", `${cms()}?limit=3`);
    expect(first.status).toBe(200);
    expect(names(first.json)).toEqual(["cm-0", "cm-1", "cm-2"]);
    expect(first.json.metadata.remainingItemCount).toBe(7);
    const rv = first.json.metadata.resourceVersion;
    const seen = [...names(first.json)];
    let token = first.json.metadata.continue;
    let round = 0;
    while (token) {
      // Between pages: a new object, a deleted one not yet listed, a changed one not yet listed.
      await send("POST", cms(), configMap(`cm-${round}-new`));
      await send("DELETE", `${cms()}/cm-${9 - round}`);
      await send("PUT", `${cms()}/cm-${5 + round}`, configMap(`cm-${5 + round}`, {}, { v: "changed" }));
      const page = await send("GET", `${cms()}?limit=3&continue=${encodeURIComponent(token)}`);
      expect(page.status).toBe(200);
      expect(page.json.metadata.resourceVersion).toBe(rv);
      for (const item of page.json.items) {
        expect(item.data).toEqual({ v: "1" });
        expect(Number(item.metadata.resourceVersion)).toBeLessThanOrEqual(Number(rv));
      }
      seen.push(...names(page.json));
      token = page.json.metadata.continue;
      round++;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `cm-${i}`));
    // The current state is what changed meanwhile.
    const now = await send("GET", cms());
    expect(names(now.json)).toContain("cm-0-new");
    expect(names(now.json)).not.toContain("cm-9");
  });

  it("pages with a label selector fill with matching objects and keep the snapshot", async () => {
    for (let i = 0; i < 8; i++) await send("POST", cms(), configMap(`sel-${i}`, { odd: String(i % 2 === 1) }));
    const first = await send("GET", `${cms()}?limit=2&labelSelector=odd%3Dtrue`);
    expect(names(first.json)).toEqual(["sel-1", "sel-3"]);
    // Kubernetes leaves remainingItemCount out when a selector filters.
    expect(first.json.metadata.remainingItemCount).toBeUndefined();
    await send("POST", cms(), configMap("sel-9", { odd: "true" }));
    const rest = await send("GET", `${cms()}?limit=10&labelSelector=odd%3Dtrue&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(names(rest.json)).toEqual(["sel-5", "sel-7"]);
    expect(rest.json.metadata.continue).toBeUndefined();
  });

  it("kubectl get --chunk-size pages through the whole collection", async () => {
    const out = await kubectl.ok(["get", "configmaps", "-n", "paging", "--chunk-size=2", "-l", "odd", "-o", "name"]);
    expect(out.trim().split("\n")).toEqual(["sel-0", "sel-1", "sel-2", "sel-3", "sel-4", "sel-5", "sel-6", "sel-7", "sel-9"].map((n) => `configmap/${n}`));
  });

  it("a continue token from another list or a broken one is a 400", async () => {
    const first = await send("GET", `${cms()}?limit=1`);
    const other = await send("GET", `${server.url}/api/v1/namespaces/default/configmaps?continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(other.status).toBe(400);
    expect(other.json.message).toMatch(/^continue key is not valid/);
    const withRv = await send("GET", `${cms()}?limit=1&resourceVersion=5&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(withRv.status).toBe(400);
    expect(withRv.json.message).toBe("specifying resource version is not allowed when using continue");
  });
});

describe("resourceVersion and resourceVersionMatch", () => {
  it("a consistent GET and LIST right after a write see the write", async () => {
    for (let i = 0; i < 20; i++) {
      const created = await send("POST", cms(), configMap(`fresh-${i}`));
      const got = await send("GET", `${cms()}/fresh-${i}`);
      expect(got.status).toBe(200);
      expect(got.json.metadata.resourceVersion).toBe(created.json.metadata.resourceVersion);
      const list = await send("GET", `${cms()}?fieldSelector=metadata.name%3Dfresh-${i}`);
      expect(names(list.json)).toEqual([`fresh-${i}`]);
      expect(Number(list.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.json.metadata.resourceVersion));
    }
    const deleted = await send("DELETE", `${cms()}/fresh-0`);
    expect(deleted.status).toBe(200);
    expect((await send("GET", `${cms()}/fresh-0`)).status).toBe(404);
  });

  it("resourceVersion=0 answers from what the server has; N answers at least as new as N", async () => {
    const created = await send("POST", cms(), configMap("rv-any"));
    const rv = Number(created.json.metadata.resourceVersion);
    const any = await send("GET", `${cms()}?resourceVersion=0`);
    expect(any.status).toBe(200);
    expect(names(any.json)).toContain("rv-any");
    const notOlder = await send("GET", `${cms()}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    expect(Number(notOlder.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
    expect(names(notOlder.json)).toContain("rv-any");
    const get = await send("GET", `${cms()}/rv-any?resourceVersion=${rv}`);
    expect(get.json.metadata.resourceVersion).toBe(String(rv));
  });

  it("an Exact list shows the collection as it was at that revision", async () => {
    const a = await send("POST", cms(), configMap("exact-a"));
    const at = a.json.metadata.resourceVersion;
    await send("POST", cms(), configMap("exact-b"));
    await send("DELETE", `${cms()}/exact-a`);
    const then = await send("GET", `${cms()}?resourceVersion=${at}&resourceVersionMatch=Exact&labelSelector=!odd`);
    expect(then.status).toBe(200);
    expect(then.json.metadata.resourceVersion).toBe(at);
    expect(names(then.json)).toContain("exact-a");
    expect(names(then.json)).not.toContain("exact-b");
    // A bare resourceVersion with a limit is Exact too (Kubernetes' legacy rule).
    const legacy = await send("GET", `${cms()}?resourceVersion=${at}&limit=500&fieldSelector=metadata.name%3Dexact-a`);
    expect(names(legacy.json)).toEqual(["exact-a"]);
  });

  it("refuses resourceVersionMatch without resourceVersion, unknown values and Exact 0 with ValidateListOptions' messages", async () => {
    const without = await send("GET", `${cms()}?resourceVersionMatch=Exact`);
    expect(without.status).toBe(422);
    expect(without.json.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    const unknown = await send("GET", `${cms()}?resourceVersion=1&resourceVersionMatch=Newest`);
    expect(unknown.json.message).toContain('resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""');
    const exact0 = await send("GET", `${cms()}?resourceVersion=0&resourceVersionMatch=Exact`);
    expect(exact0.json.message).toContain('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    const bad = await send("GET", `${cms()}?resourceVersion=abc`);
    expect(bad.status).toBe(400);
  });

  it("a resourceVersion the server has not reached is a 504 Too large resource version after a wait", async () => {
    const list = await send("GET", cms());
    const ahead = Number(list.json.metadata.resourceVersion) + 1_000_000;
    const r = await send("GET", `${cms()}?resourceVersion=${ahead}&resourceVersionMatch=NotOlderThan`);
    expect(r.status).toBe(504);
    expect(r.json.reason).toBe("Timeout");
    expect(r.json.message).toMatch(new RegExp(`^Too large resource version: ${ahead}, current: \\d+$`));
    expect(r.json.details.causes[0].reason).toBe("ResourceVersionTooLarge");
  });
});

describe("pages and Exact lists from before the cache", () => {
  it("after a restart come from the store's history at the first page's revision", async () => {
    await send("POST", cms(), configMap("old-a"));
    await send("POST", cms(), configMap("old-b"));
    const first = await send("GET", `${cms()}?limit=1&labelSelector=!odd`);
    const oldRv = first.json.metadata.resourceVersion;
    await send("DELETE", `${cms()}/old-b`);
    await send("POST", cms(), configMap("old-c"));
    // A restarted server's cache starts at the store's current revision.
    await server.restart();
    const exact = await send("GET", `${cms()}?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    expect(exact.json.metadata.resourceVersion).toBe(oldRv);
    expect(names(exact.json)).toContain("old-b");
    expect(names(exact.json)).not.toContain("old-c");
    const rest = await send("GET", `${cms()}?labelSelector=!odd&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(rest.status).toBe(200);
    expect(rest.json.metadata.resourceVersion).toBe(oldRv);
    expect(names(rest.json)).toContain("old-b");
  });

  it("once the store compacted that revision are 410 Expired with Kubernetes' messages", async () => {
    const c = await startCompactableServer();
    try {
      const url = `${c.url}/api/v1/namespaces/default/configmaps`;
      for (const n of ["a", "b", "c"]) await send("POST", url, configMap(n));
      const first = await send("GET", `${url}?limit=1`);
      const oldRv = first.json.metadata.resourceVersion;
      await send("POST", url, configMap("d"));
      await c.compactWhileDown();
      const exact = await send("GET", `${url}?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
      expect(exact.status).toBe(410);
      expect(exact.json.reason).toBe("Expired");
      expect(exact.json.message).toBe("The resourceVersion for the provided list is too old.");
      const page = await send("GET", `${url}?limit=1&continue=${encodeURIComponent(first.json.metadata.continue)}`);
      expect(page.status).toBe(410);
      expect(page.json.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
      // The Status carries a token that continues at the current state, as Kubernetes' does.
      const resumed = await send("GET", `${url}?limit=1&continue=${encodeURIComponent(page.json.metadata.continue)}`);
      expect(resumed.status).toBe(200);
      expect(names(resumed.json)).toEqual(["b"]);
    } finally {
      await c.stop();
    }
  });
});

describe("lists as Tables (kubectl get)", () => {
  const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

  it("give each row the object's metadata without managedFields, the whole object with includeObject=Object, page after page", async () => {
    await send("POST", `${server.url}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: "tables" } });
    for (const name of ["t-a", "t-b", "t-c"]) {
      const made = await send("POST", cms("tables"), { ...configMap(name, { app: "t" }), metadata: { name, labels: { app: "t" }, annotations: { note: '"managedFields":[]' } } });
      expect(made.status).toBe(201);
    }
    const plain = (await send("GET", cms("tables"))).json;
    expect(plain.items[0].metadata.managedFields).toHaveLength(1);
    const table = async (query: string) => {
      const res = await fetch(`${cms("tables")}${query}`, { headers: { Accept: TABLE } });
      expect(res.headers.get("content-type")).toBe("application/json;as=Table;v=v1;g=meta.k8s.io");
      return (await res.json()) as any;
    };
    const first = await table("?limit=2");
    const second = await table(`?limit=2&continue=${first.metadata.continue}`);
    const rows = [...first.rows, ...second.rows];
    expect(rows.map((r: any) => r.cells[0])).toEqual(["t-a", "t-b", "t-c"]);
    for (const [i, row] of rows.entries()) {
      const { managedFields: _mf, ...metadata } = plain.items[i].metadata;
      expect(row.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata });
    }
    const whole = await table("?includeObject=Object");
    expect(whole.rows.map((r: any) => r.object)).toEqual(plain.items);
    expect(whole.rows[0].object.metadata.managedFields).toHaveLength(1);
    await kubectl.ok(["get", "configmaps", "-n", "tables"]).then((out) => expect(out).toMatch(/^t-a\s+1\s+\S+$/m));
  });
});

describe("whole lists", () => {
  it("arrive whole with their Content-Length when larger than what is handed to the socket at once, non-ASCII text included", async () => {
    await send("POST", `${server.url}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: "big" } });
    const value = "é€😀".repeat(600); // 5.4 KB of UTF-8 per object, 200 objects: about 1.1 MB
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = next++; i < 200; i = next++) expect((await send("POST", cms("big"), configMap(`cm-${String(i).padStart(3, "0")}`, {}, { v: value }))).status).toBe(201);
    }));
    const res = await fetch(cms("big"));
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(body.length);
    const list = JSON.parse(body.toString("utf8"));
    expect(list.items).toHaveLength(200);
    expect(list.items.every((i: any) => i.data.v === value)).toBe(true);
    expect(names(list)[199]).toBe("cm-199");
  });
});
