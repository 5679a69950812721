// The API server in-process on a temp SQLite store: what /metrics serves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { resourceTypes } from "../../api";
import { SqliteStore } from "../storage/sqlite";
import { startApiServer, type ApiServer } from "./server";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(metrics?: Registry): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-apiserver-unit-"));
  const store = new SqliteStore(join(dir, "state.db"));
  const api = await startApiServer({ store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }), metrics });
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
