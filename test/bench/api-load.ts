// The load the api benchmark puts on a running server: pod creates from N clients with reads
// alongside, and the HTTP floor (GET /version, the cheapest request the server answers) at the
// same concurrency. Loopback only.
import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import { percentile } from "./table";

export type BenchFetch = (url: string, init?: Record<string, unknown>) => ReturnType<typeof undiciFetch>;

/** The load's own requests: status and the whole body. */
export type BenchSend = (method: "GET" | "POST", url: string, body?: string, headers?: Record<string, string>) => Promise<{ status: number; bytes: number }>;

/**
 * undici's own fetch with one pooled Agent (Node's built-in fetch cannot take this Agent), and
 * `send` on the same Agent through undici.request, which costs the client about a third of
 * fetch's CPU per request (no WHATWG Request/Response/streams): on a 2-core machine the load
 * generator shares the CPUs with the server, so its own cost would otherwise cap the rate.
 */
export function pooledFetch(): { fetch: BenchFetch; send: BenchSend; close(): Promise<void> } {
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const fetch: BenchFetch = (url, init = {}) => undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);
  const request: BenchSend = async (method, url, body, headers = {}) => {
    const u = new URL(url);
    const opts: Dispatcher.RequestOptions = { origin: u.origin, path: u.pathname + u.search, method, body, headers: body === undefined ? headers : { ...headers, "content-type": "application/json" } };
    const res = await dispatcher.request(opts);
    const bytes = (await res.body.arrayBuffer()).byteLength;
    return { status: res.statusCode, bytes };
  };
  // BENCH_LOAD_CLIENT=fetch: the load through fetch, as before, to compare the two generators.
  const send = process.env.BENCH_LOAD_CLIENT === "fetch" ? sendByFetch(fetch) : request;
  return { fetch, send, close: () => dispatcher.close() };
}

function sendByFetch(fetch: BenchFetch): BenchSend {
  return async (method, url, body, headers = {}) => {
    const res = await fetch(url, { method, body, headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" } });
    return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
  };
}

/** User plus system CPU time of a process so far, in ms (from /proc; NaN when unreadable). */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** The benchmark's pod: the same payload for the API, the store ceilings and every run. */
export const benchPod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "bench", shard: String(name.length % 4) } },
  spec: { containers: [{ name: "web", image: "kubelab/web:1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
});

export interface CreateLoad {
  /** creates per second */
  rate: number;
  createP50: number;
  createP99: number;
  getP50: number;
  getP99: number;
  /** server CPU ms per create, the reads alongside included */
  cpuPerCreate: number;
  /** the load generator's (this process's) CPU ms per create, its reads included */
  clientCpuPerCreate: number;
}

/**
 * `total` pod creates from `clients` clients, `readers` readers (2 unless said) GETting created
 * pods alongside; the pods are named `${prefix}${i}` ("bench-" unless said), in `namespace`
 * ("default" unless said; it must exist).
 */
export async function createLoad(send: BenchSend, serverUrl: string, pid: number, total: number, clients = 16, opts: { readers?: number; prefix?: string; namespace?: string } = {}): Promise<CreateLoad> {
  const prefix = opts.prefix ?? "bench-";
  const base = `${serverUrl}/api/v1/namespaces/${opts.namespace ?? "default"}/pods`;
  const writeLat: number[] = [];
  const readLat: number[] = [];
  let next = 0;
  let writing = true;
  const started = performance.now();
  const cpuBefore = cpuMs(pid);
  const clientBefore = process.cpuUsage();
  const writers = Array.from({ length: clients }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t = performance.now();
      const res = await send("POST", base, JSON.stringify(benchPod(`${prefix}${i}`)));
      if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
      writeLat.push(performance.now() - t);
    }
  });
  const readers = Array.from({ length: opts.readers ?? 2 }, async () => {
    while (writing) {
      const i = Math.floor(Math.random() * Math.max(1, next - 32));
      const t = performance.now();
      const res = await send("GET", `${base}/${prefix}${i}`);
      if (res.status === 200) readLat.push(performance.now() - t);
    }
  });
  await Promise.all(writers);
  const elapsed = (performance.now() - started) / 1000;
  const cpuPerCreate = (cpuMs(pid) - cpuBefore) / total;
  const client = process.cpuUsage(clientBefore);
  writing = false;
  await Promise.all(readers);
  writeLat.sort((a, b) => a - b);
  readLat.sort((a, b) => a - b);
  return {
    rate: total / elapsed,
    createP50: percentile(writeLat, 50),
    createP99: percentile(writeLat, 99),
    getP50: percentile(readLat, 50),
    getP99: percentile(readLat, 99),
    cpuPerCreate,
    clientCpuPerCreate: (client.user + client.system) / 1000 / total,
  };
}

/** GET /version requests per second from `clients` clients, through the same client as the load: what the HTTP stack alone allows. */
export async function versionFloor(send: BenchSend, serverUrl: string, total: number, clients = 16): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < total) {
        const res = await send("GET", `${serverUrl}/version`);
        if (res.status !== 200) throw new Error(`GET /version: ${res.status}`);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
