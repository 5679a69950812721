// The read path on etcd: pages and Exact lists from before the server's cache come from etcd at
// that revision (etcd keeps every revision until compaction), and once etcd has compacted it they
// are 410 Expired with Kubernetes' messages; a read right after a write through another server sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdStore } from "../controlplane/storage/etcd";
import type { TestServer } from "./fixtures/server";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import { kubectlFor } from "./fixtures/kubectl";

let ha: ServersOnEtcd;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  ha = await startServersOnEtcd(2);
  [a, b] = ha.servers as [TestServer, TestServer];
});
afterAll(async () => {
  await ha?.stop();
});

const cms = (s: TestServer) => `${s.url}/api/v1/namespaces/default/configmaps`;

async function send(method: string, url: string, body?: object) {
  const res = await fetch(url, { method, headers: { "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  return { status: res.status, json: JSON.parse(await res.text()) as any };
}

const configMap = (name: string, v = "1") => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v } });
const names = (list: any): string[] => list.items.map((i: any) => i.metadata.name);

describe("reads on etcd", () => {
  it("a list through one server right after a write through the other sees it", async () => {
    await send("GET", cms(b)); // b's cache is filled
    for (let i = 0; i < 10; i++) {
      expect((await send("POST", cms(a), configMap(`w-${i}`))).status).toBe(201);
      expect(names((await send("GET", cms(b))).json)).toContain(`w-${i}`);
      expect((await send("GET", `${cms(b)}/w-${i}`)).status).toBe(200);
    }
  });

  it("pages from the first page's revision after the server restarted, then 410 once etcd compacted it", async () => {
    const first = await send("GET", `${cms(a)}?limit=4`);
    expect(names(first.json)).toEqual(["w-0", "w-1", "w-2", "w-3"]);
    const rv = first.json.metadata.resourceVersion;
    await send("DELETE", `${cms(a)}/w-5`);
    await send("PUT", `${cms(a)}/w-6`, configMap("w-6", "changed"));
    await send("POST", cms(a), configMap("w-55"));
    // The restarted server's cache starts now: the snapshot comes from etcd at the first page's revision.
    await a.restart();
    const next = await send("GET", `${cms(a)}?limit=3&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(next.status).toBe(200);
    expect(next.json.metadata.resourceVersion).toBe(rv);
    expect(names(next.json)).toEqual(["w-4", "w-5", "w-6"]);
    expect(next.json.items[2].data).toEqual({ v: "1" });
    const exact = await send("GET", `${cms(a)}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(names(exact.json)).not.toContain("w-55");
    expect(names(exact.json)).toContain("w-5");

    const store = new EtcdStore({ endpoints: [ha.etcd.endpoint] });
    try {
      await store.compact(await store.currentRevision());
    } finally {
      await store.close();
    }
    const gone = await send("GET", `${cms(a)}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.json.message).toBe("The resourceVersion for the provided list is too old.");
    const page = await send("GET", `${cms(a)}?limit=3&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(page.status).toBe(410);
    expect(page.json.message).toMatch(/^The provided continue parameter is too old/);
  });

  it("kubectl get and get --watch still answer on etcd", async () => {
    const kubectl = kubectlFor(b.kubeconfig);
    expect(await kubectl.ok(["get", "configmaps", "w-1", "-o", "jsonpath={.data.v}"])).toBe("1");
    const watch = kubectl.spawn(["get", "configmaps", "--watch", "--output-watch-events", "-o", "name"]);
    let out = "";
    watch.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await expect.poll(() => out, { timeout: 30_000 }).toContain("configmap/w-1");
      await send("POST", cms(a), configMap("watched"));
      await expect.poll(() => out, { timeout: 30_000 }).toContain("configmap/watched");
    } finally {
      watch.kill();
    }
  });
});
