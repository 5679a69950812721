// The raw-socket fuzzer against a real `kubelab server`: 20,000 malformed requests (half from a
// fixed seed, half from a random one), then the process is alive, /readyz is ok, nothing in the
// store changed and no request was answered with a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../fixtures/server";
import { clusterState } from "./cluster-state";
import { fuzzListener, type FuzzResult } from "./raw-http";
import { runSeeds } from "./seeds";

const REQUESTS = 20_000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" }, data: { a: "b" } };
  await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(cm) });
});
afterAll(async () => {
  await server?.stop();
});

const PATHS = [
  "/api/v1/namespaces/default/configmaps",
  "/api/v1/namespaces/default/configmaps/keep",
  "/api/v1/namespaces/default/configmaps/fuzz-none",
  "/api/v1/namespaces/default/pods",
  "/api/v1/namespaces/default/pods/fuzz-none/log",
  "/api/v1/namespaces/default/pods/fuzz-none/binding",
  "/api/v1/namespaces/default/pods/fuzz-none/status",
  "/apis/apps/v1/namespaces/default/deployments/fuzz-none/scale",
  "/apis/apps/v1/deployments",
  "/api/v1/namespaces/default",
  "/api/v1/namespaces/kube-system/finalize",
  "/api/v1/nodes",
  "/api",
  "/apis",
  "/api/v1",
  "/apis/apps/v1",
  "/version",
  "/readyz",
  "/metrics",
  "/openapi/v3",
  "/openapi/v3/api/v1",
  "/hooks/gitops/default/lab",
];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function summary(r: FuzzResult): string {
  return [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(" ");
}

describe("API server under a raw-socket fuzzer", () => {
  it("answers 20,000 malformed requests without a crash, a 5xx or a write", async () => {
    const { hostname, port } = new URL(server.url);
    const before = await clusterState(server.url);
    const seeds = runSeeds();
    for (const seed of seeds) {
      const r = await fuzzListener({ host: hostname, port: Number(port), paths: PATHS }, { seed, count: Math.ceil(REQUESTS / seeds.length) });
      const where = `seed ${seed} (replay: FUZZ_SEED=${seed}); statuses ${summary(r)}`;
      console.log(`API server fuzz: ${where}`);
      expect(r.serverErrors, where).toEqual([]);
      expect(isAlive(server.pid()), `${where}; the server died:\n${server.logs().slice(-4000)}`).toBe(true);
      expect((await fetch(`${server.url}/readyz`)).status, where).toBe(200);
      expect(await clusterState(server.url), where).toEqual(before);
    }
  }, 180_000);
});
