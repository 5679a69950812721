// The raw-socket fuzzer through the agent's NodePort proxy (in-process, real sockets) to a real
// HTTP backend, 20,000 requests, half of them to a Service whose endpoint is dead: the proxy
// keeps forwarding, and what comes back is the backend's own answer or a closed connection.
// (Requests the backend waits on end at the client's 1 s bound: the proxy only forwards.)
import { createServer, type Server } from "node:http";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceProxy } from "../../agent/service-proxy";
import { freePort } from "../../agent/testing";
import type { Endpoints, Service } from "../../api/core";
import { eventually } from "../fixtures/wait";
import { fuzzListener, type FuzzResult } from "./raw-http";
import { runSeeds } from "./seeds";

const ADDRESS = "127.0.0.214";
const REQUESTS = 20_000;

const service = (name: string, nodePort: number): Service => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort, protocol: "TCP" }] } });
const endpoints = (name: string, port: number): Endpoints => ({ apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace: "default" }, subsets: [{ addresses: [{ ip: ADDRESS }], ports: [{ port }] }] });

let proxy: ServiceProxy;
let backend: Server;
let webPort: number;
let deadPort: number;

beforeAll(async () => {
  backend = createServer((req, res) => {
    req.resume();
    res.end("ok");
  });
  const backendPort = await new Promise<number>((r) => backend.listen(0, ADDRESS, () => r((backend.address() as { port: number }).port)));
  webPort = await freePort(ADDRESS);
  deadPort = await freePort(ADDRESS);
  proxy = new ServiceProxy(ADDRESS, pino({ level: "silent" }));
  proxy.replaceServices([service("web", webPort), service("dead", deadPort)]);
  proxy.replaceEndpoints([endpoints("web", backendPort), endpoints("dead", await freePort(ADDRESS))]);
  await eventually(() => proxy.listening().includes(webPort) && proxy.listening().includes(deadPort), 5000, "node ports open");
});
afterAll(() => {
  proxy?.stop();
  backend?.close();
});

function summary(r: FuzzResult): string {
  return [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(" ");
}

describe("NodePort proxy under a raw-socket fuzzer", () => {
  it("forwards 20,000 malformed requests and keeps forwarding", async () => {
    const seeds = runSeeds();
    for (const seed of seeds) {
      for (const port of [webPort, deadPort]) {
        const r = await fuzzListener({ host: ADDRESS, port, paths: ["/", "/index.html", "/a/b?c=d"] }, { seed, count: Math.ceil(REQUESTS / seeds.length / 2), halfClose: false, timeoutMs: 1_000, concurrency: 48 });
        const where = `seed ${seed} (replay: FUZZ_SEED=${seed}) on :${port}; statuses ${summary(r)}`;
        console.log(`NodePort fuzz: ${where}`);
        expect(r.serverErrors.filter((e) => e.status !== 505), where).toEqual([]);
      }
    }
    expect(proxy.listening()).toEqual(expect.arrayContaining([webPort, deadPort]));
    expect(await (await fetch(`http://${ADDRESS}:${webPort}/`)).text()).toBe("ok");
  }, 120_000);
});
