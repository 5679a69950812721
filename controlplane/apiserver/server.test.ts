// The API server in-process on a temp SQLite store: what /metrics serves.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { resourceTypes } from "../../api";
import { SqliteStore } from "../storage/sqlite";
import { withRequestInfo } from "./base-filters";
import { buildHandlerChain, newRequestContext, type Filter, type RequestInfo } from "./filter";
import { startApiServer, type ApiServer, type ApiServerOptions } from "./server";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(metrics?: Registry, more: Partial<ApiServerOptions> = {}): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-apiserver-unit-"));
  const store = new SqliteStore(join(dir, "state.db"));
  if (more.tokenAuthFile) writeFileSync(join(dir, "tokens.csv"), more.tokenAuthFile);
  const api = await startApiServer({
    store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }), metrics,
    ...more, tokenAuthFile: more.tokenAuthFile ? join(dir, "tokens.csv") : undefined,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => api.close());
  return api;
}

const scrape = async (api: ApiServer) => (await fetch(`${api.url}/metrics`)).text();

describe("API server metrics", () => {
  it("registers its metrics on the registry passed in and serves everything in it on /metrics", async () => {
    const shared = new Registry();
    new Counter({ name: "workqueue_adds_total", help: "adds", labelNames: ["name"], registers: [shared] }).labels("replicaset").inc();
    const api = await start(shared);
    expect(api.metrics).toBe(shared);
    await fetch(`${api.url}/api/v1/namespaces`);
    const text = await scrape(api);
    expect(text).toContain('workqueue_adds_total{name="replicaset"} 1');
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="namespaces",code="200"\} 1/);
    expect(await shared.getSingleMetricAsString("apiserver_request_total")).toContain('resource="namespaces"');
    expect(text).not.toContain("process_cpu_user_seconds_total");
  });

  it("makes its own registry with Node's default metrics when none is passed", async () => {
    const api = await start();
    const text = await scrape(api);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("apiserver_request_total");
  });
});

describe("the handler chain", () => {
  it("refuses a request without a token with a 401 Status, counted under its code, and lets health checks through", async () => {
    const api = await start(undefined, { tokenAuthFile: "s3cret,admin,1,system:masters\n" });
    const refused = await fetch(`${api.url}/api/v1/namespaces/default/pods`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    const ok = await fetch(`${api.url}/api/v1/namespaces/default/pods`, { headers: { Authorization: "Bearer s3cret" } });
    expect(ok.status).toBe(200);
    const text = await (await fetch(`${api.url}/metrics`, { headers: { Authorization: "Bearer s3cret" } })).text();
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="pods",code="401"\} 1/);
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="pods",code="200"\} 1/);
  });

  it("answers a handler's unexpected error with a 500 Status and keeps serving", async () => {
    const api = await start(undefined, {
      extraHandlers: [async (_req, _res, url) => {
        if (url.pathname === "/boom") throw new Error("kaboom");
        return false;
      }],
    });
    const res = await fetch(`${api.url}/boom`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "InternalError", message: "Internal error occurred: kaboom" });
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  });

  it("runs the filters outermost first, each around the rest", async () => {
    const seen: string[] = [];
    const trace = (name: string): Filter => (next) => async (ctx) => {
      seen.push(`>${name}`);
      await next(ctx);
      seen.push(`<${name}`);
    };
    const handler = buildHandlerChain([trace("a"), trace("b")], async () => {
      seen.push("handler");
    });
    await handler(newRequestContext({} as never, {} as never));
    expect(seen).toEqual([">a", ">b", "handler", "<b", "<a"]);
  });
});

describe("lists", () => {
  it("answers a plain list (the fast path) with the same body as a list that decodes every object", async () => {
    const api = await start();
    const base = `${api.url}/api/v1/namespaces/default/configmaps`;
    for (let i = 0; i < 70; i++) {
      const res = await fetch(base, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, labels: { i: String(i) } }, data: { text: `"metadata":{ ${i}` } }),
      });
      expect(res.status).toBe(201);
    }
    const plain = (await (await fetch(base)).json()) as { items: unknown[] };
    const decoded = await (await fetch(`${base}?limit=1000`)).json();
    expect(plain.items).toHaveLength(70);
    expect(plain).toEqual(decoded);
  });
});

describe("request info", () => {
  const infoFor = async (method: string, url: string) => {
    let seen: RequestInfo | undefined;
    const handler = buildHandlerChain([withRequestInfo()], async (ctx) => {
      seen = ctx.info;
    });
    await handler(newRequestContext({ method, url } as never, {} as never));
    return seen!;
  };

  it("names the Kubernetes verb and tells long-running requests apart", async () => {
    expect(await infoFor("GET", "/api/v1/namespaces/default/pods")).toMatchObject({ verb: "list", longRunning: false });
    expect(await infoFor("GET", "/api/v1/namespaces/default/pods?watch=1")).toMatchObject({ verb: "watch", longRunning: true });
    expect(await infoFor("GET", "/api/v1/namespaces/default/pods/p/log?follow=true")).toMatchObject({ verb: "get", longRunning: true });
    expect(await infoFor("DELETE", "/apis/apps/v1/namespaces/default/deployments")).toMatchObject({ verb: "deletecollection" });
    expect(await infoFor("PATCH", "/api/v1/nodes/n1/status")).toMatchObject({ verb: "patch", resource: { plural: "nodes", name: "n1", subresource: "status" } });
    expect(await infoFor("GET", "/healthz")).toMatchObject({ verb: "get", resource: undefined, longRunning: false });
  });
});

describe("DELETE", () => {
  it("answers 200 to a delete that leaves the object waiting for its finalizers, as Kubernetes does, and 202 only to orphanDependents: false", async () => {
    const api = await start();
    const cms = `${api.url}/api/v1/namespaces/default/configmaps`;
    const make = (name: string) =>
      fetch(cms, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, finalizers: ["example.com/hold"] } }) });
    expect((await make("held")).status).toBe(201);
    const held = await fetch(`${cms}/held`, { method: "DELETE" });
    expect(held.status).toBe(200);
    expect(((await held.json()) as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp).toBeDefined();
    expect((await make("legacy")).status).toBe(201);
    const legacy = await fetch(`${cms}/legacy`, { method: "DELETE", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ orphanDependents: false }) });
    expect(legacy.status).toBe(202);
  });
});
