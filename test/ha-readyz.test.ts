// /readyz asks the store, as kube-apiserver's "etcd" check does: the health endpoints of the
// non-resource handler on a real etcd store, over HTTP as HAProxy's check reaches them; the etcd
// process is really stopped and started again.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPanicRecovery, withRequestInfo } from "../controlplane/apiserver/base-filters";
import { pino } from "pino";
import { buildHandlerChain, newRequestContext } from "../controlplane/apiserver/filter";
import { nonResourceHandler } from "../controlplane/apiserver/non-resource";
import { EtcdStore } from "../controlplane/storage/etcd";
import { startEtcd, type Etcd } from "./fixtures/etcd";
import { startTestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

let etcd: Etcd;
let store: EtcdStore;
let server: Server;
let base: string;

beforeAll(async () => {
  etcd = await startEtcd();
  store = new EtcdStore({ endpoints: [etcd.endpoint], callTimeoutMs: 3000 });
  const handler = buildHandlerChain([withPanicRecovery(pino({ level: "silent" })), withRequestInfo()], nonResourceHandler({ types: [], metrics: new Registry(), address: () => "127.0.0.1", store }));
  server = createServer((req, res) => void handler(newRequestContext(req, res)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.close();
  await store?.close();
  await etcd?.destroy();
});

async function get(path: string): Promise<{ code: number; body: string }> {
  const res = await fetch(base + path);
  return { code: res.status, body: await res.text() };
}

describe("health endpoints on the etcd store", () => {
  it("with etcd up: /readyz is ok, ?verbose lists ping and etcd, /readyz/etcd answers alone", async () => {
    expect(await get("/readyz")).toEqual({ code: 200, body: "ok" });
    expect(await get("/readyz?verbose")).toEqual({ code: 200, body: "[+]ping ok\n[+]etcd ok\nreadyz check passed\n" });
    expect(await get("/readyz/etcd")).toEqual({ code: 200, body: "ok" });
    expect(await get("/livez?verbose")).toEqual({ code: 200, body: "[+]ping ok\nlivez check passed\n" });
    expect(await get("/healthz/etcd")).toEqual({ code: 200, body: "ok" });
    expect((await get("/readyz/nosuch")).code).toBe(404);
  });

  it("with etcd stopped: /readyz fails naming etcd (reason withheld), /livez stays ok; back when etcd is", async () => {
    await etcd.stop();
    try {
      const failed = await eventually(async () => {
        const r = await get("/readyz");
        return r.code === 500 ? r : undefined;
      }, { timeoutMs: 30_000, intervalMs: 200, what: "/readyz failing" });
      expect(failed.body).toBe("[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n");
      const one = await get("/readyz/etcd");
      expect(one.code).toBe(500);
      expect(one.body).toMatch(/^internal server error: /);
      expect(await get("/livez")).toEqual({ code: 200, body: "ok" });
      expect(await get("/readyz?exclude=etcd")).toEqual({ code: 200, body: "ok" });
      expect((await get("/healthz")).code).toBe(500);
    } finally {
      await etcd.start();
    }
    await eventually(async () => (await get("/readyz")).code === 200, { timeoutMs: 60_000, intervalMs: 200, what: "/readyz ok again" });
    expect(await get("/readyz?verbose")).toEqual({ code: 200, body: "[+]ping ok\n[+]etcd ok\nreadyz check passed\n" });
  });

  it("an unknown ?exclude is a warning line, not a failure", async () => {
    expect(await get("/readyz?verbose&exclude=nosuch")).toEqual({
      code: 200,
      body: '[+]ping ok\n[+]etcd ok\nwarn: some health checks cannot be excluded: no matches for "nosuch"\nreadyz check passed\n',
    });
  });
});

describe("a kubelab server on etcd", () => {
  it("is taken out of rotation by its /readyz when its etcd stops, and back when etcd is (no restart)", async () => {
    const own = await startEtcd();
    const server = await startTestServer({ args: ["--store", "etcd", "--etcd-endpoints", own.endpoint, "--disable-controllers", "all"] });
    const ask = async (path: string) => {
      const res = await fetch(server.url + path);
      return { code: res.status, body: await res.text() };
    };
    try {
      expect(await ask("/readyz?verbose")).toMatchObject({ code: 200, body: expect.stringContaining("[+]etcd ok\n") });
      await own.stop();
      const failed = await eventually(async () => {
        const r = await ask("/readyz?verbose");
        return r.code === 500 ? r : undefined;
      }, { timeoutMs: 30_000, intervalMs: 200, what: "the server's /readyz failing" });
      expect(failed.body).toContain("[-]etcd failed: reason withheld\n");
      expect((await ask("/livez")).code).toBe(200);
      await own.start();
      await eventually(async () => (await ask("/readyz")).code === 200, { timeoutMs: 60_000, intervalMs: 200, what: "the server's /readyz ok again" });
    } finally {
      await server.stop();
      await own.destroy();
    }
  }, 120_000);
});
