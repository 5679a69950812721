// `npm run bench -- api`: the API server under load from this machine (loopback only), against a
// real server process with the SQLite store and no controllers; then, with the same payload and
// concurrency, what bounds it: the HTTP floor (GET /version on the same server), the store's own
// ceiling (SQLite through controlplane/storage, etcd raw and through EtcdStore) and the API on a
// real etcd, each API rate also as a fraction of its store's ceiling. The measured creates follow
// 2,000 on the fresh server (their own row): V8's tier-up and the first fill of the pods' watch
// cache are a start-up cost, not what the server does under load.
import { loadavg } from "node:os";
import { startTestServer, type TestServer } from "../fixtures/server";
import { etcdCalls, startEtcd } from "../fixtures/etcd";
import { createLoad, pooledFetch, versionFloor, type BenchFetch, type BenchSend, type CreateLoad } from "./api-load";
import { etcdCeilings, sqliteCeiling } from "./store-ceiling";
import { percentile, rssMb, type BenchRow } from "./table";
import { benchServer } from "./bundles";

const CLIENTS = 16;
/** Creates on the fresh server before the measured ones (in their own namespace): V8 compiles the hot paths, the pods' watch cache fills. */
const WARM_UP = 2_000;

export async function benchApi(): Promise<BenchRow[]> {
  const total = Number(process.env.BENCH_API_PODS ?? 10_000);
  const server = await startTestServer({ args: ["--disable-controllers", "all"], ...(await benchServer()) });
  const { fetch, send, close } = pooledFetch();
  const rows: BenchRow[] = [];
  let payload = "";
  try {
    // 0. The fresh server's first creates, shown apart: a one-time cost, not the steady state.
    rows.push(await warmUp(send, server, ""));
    // 1. Creates with 16 concurrent clients, reads measured alongside.
    const load = await createLoad(send, server.url, server.pid(), total, CLIENTS);
    rows.push(...loadRows(load, "", true));
    // 2. List all of them, RSS, one change reaching 100 watchers.
    rows.push(...(await listAndWatch(fetch, server, total)));
    // 2b. Creates alone on the now warm server: its CPU per create without the readers' share
    //     (they read as fast as they are answered, so their share grows as creates slow down).
    const solo = await createLoad(send, server.url, server.pid(), Math.min(total, 3000), CLIENTS, { readers: 0, prefix: "solo-" });
    rows.push({ metric: "server CPU per create, creates alone (warm server)", value: solo.cpuPerCreate, unit: "ms", target: "<= 0.4 ms" });
    // 3. What bounds the API: the HTTP floor, the store's own ceiling (same payload, concurrency).
    const floor = await versionFloor(send, server.url, total, CLIENTS);
    payload = await storedPayload(fetch, server.url);
    const sqlite = await sqliteCeiling(payload, total, CLIENTS);
    rows.push(
      { metric: `GET /version/s (${CLIENTS} clients): the HTTP floor`, value: floor, unit: "/s", target: "(info)" },
      { metric: "SQLite store creates/s (storage layer, same payload)", value: sqlite, unit: "/s", target: "(info)" },
      { metric: "API creates as a share of the HTTP floor", value: (100 * load.rate) / floor, unit: "%", target: "(info)" },
      { metric: "API creates as a share of the SQLite ceiling", value: (100 * load.rate) / sqlite, unit: "%", target: ">= 40 %" },
    );
  } finally {
    await close();
    await server.stop();
  }
  rows.push(...(await etcdRows(payload, Math.min(total, Number(process.env.BENCH_API_ETCD_PODS ?? 3_000)))));
  rows.push({ metric: "load average (1 min) at the end", value: loadavg()[0], unit: "", target: "(info)" });
  return rows;
}

/** WARM_UP creates (2 readers alongside) in namespace bench-warm-up: their row. */
async function warmUp(send: BenchSend, server: TestServer, store: string): Promise<BenchRow> {
  const ns = await send("POST", `${server.url}/api/v1/namespaces`, JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-warm-up" } }));
  if (ns.status !== 201) throw new Error(`namespace bench-warm-up: ${ns.status}`);
  const cold = await createLoad(send, server.url, server.pid(), WARM_UP, CLIENTS, { namespace: "bench-warm-up", prefix: "warm-" });
  return { metric: `first ${WARM_UP} creates on the fresh server${store}: creates/s, create / get p99`, value: cold.rate, unit: `/s, ${cold.createP99.toFixed(1)} / ${cold.getP99.toFixed(1)} ms`, target: "(info)" };
}

/** One created pod as the server stores it (no resourceVersion): the ceilings' payload. */
async function storedPayload(fetch: BenchFetch, url: string): Promise<string> {
  const obj = (await (await fetch(`${url}/api/v1/namespaces/default/pods/bench-0`, {})).json()) as { metadata: Record<string, unknown> };
  delete obj.metadata.resourceVersion;
  return JSON.stringify(obj);
}

function loadRows(load: CreateLoad, store: string, targets: boolean): BenchRow[] {
  const t = (s: string) => (targets ? s : "(info)");
  return [
    { metric: `pod creates/s (${CLIENTS} clients${store})`, value: load.rate, unit: "/s", target: t(">= 2000/s") },
    { metric: `create p50 / p99 under that load${store}`, value: load.createP50, unit: `ms / ${load.createP99.toFixed(2)} ms`, target: t("p99 <= 15 ms") },
    { metric: `get p50 / p99 under that load${store}`, value: load.getP50, unit: `ms / ${load.getP99.toFixed(2)} ms`, target: t("p99 <= 5 ms") },
    // The server's own CPU time per create (the reads alongside included): comparable across runs
    // even when other work on the machine stretches the wall-clock figures.
    { metric: `server CPU per create (incl. reads)${store}`, value: load.cpuPerCreate, unit: "ms", target: t("<= 0.4 ms") },
    // What the load generator itself took of the same 2 CPUs (BENCH_LOAD_CLIENT=fetch: through fetch).
    { metric: `load generator CPU per create (incl. reads)${store}`, value: load.clientCpuPerCreate, unit: "ms", target: "(info)" },
  ];
}

async function listAndWatch(fetch: BenchFetch, server: TestServer, total: number): Promise<BenchRow[]> {
  const base = `${server.url}/api/v1/namespaces/default/pods`;
  // The measure is the server's: request sent to the last byte received. Parsing an
  // 18 MB body is the client's cost, shown beside it.
  const toLastByte: number[] = [];
  const parsed: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const bytes = Buffer.from(await (await fetch(base, {})).arrayBuffer());
    toLastByte.push(performance.now() - t);
    const body = JSON.parse(bytes.toString("utf8")) as { items: unknown[] };
    parsed.push(performance.now() - t);
    if (body.items.length !== total) throw new Error(`list returned ${body.items.length}`);
  }
  return [
    { metric: `list ${total} pods, to the last byte (median of 5)`, value: median(toLastByte), unit: "ms", target: "<= 150 ms" },
    { metric: `list ${total} pods, parsed by the client (median of 5)`, value: median(parsed), unit: "ms", target: "(info)" },
    { metric: `server RSS with ${total + WARM_UP} pods`, value: rssMb(server.pid()), unit: "MB", target: "<= 250 MB" },
    await watchFanout(fetch, server.url),
  ];
}

function median(values: number[]): number {
  return percentile([...values].sort((x, y) => x - y), 50);
}

/** One change reaching 100 watchers, 20 times: the p99 of the arrivals. */
async function watchFanout(fetch: BenchFetch, url: string): Promise<BenchRow> {
  const watchers = 100;
  const arrivals: number[] = [];
  let sentAt = 0;
  const controllers: AbortController[] = [];
  const ready: Promise<void>[] = [];
  const cms = `${url}/api/v1/namespaces/default/configmaps`;
  const rv = ((await (await fetch(`${url}/api/v1/namespaces/default/pods?limit=1`, {})).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  for (let w = 0; w < watchers; w++) {
    const ac = new AbortController();
    controllers.push(ac);
    ready.push(
      fetch(`${cms}?watch=true&resourceVersion=${rv}`, { signal: ac.signal }).then((res) => {
        const reader = res.body!.getReader();
        void (async () => {
          try {
            for (;;) {
              const { done } = await reader.read();
              if (done) return;
              arrivals.push(performance.now() - sentAt);
            }
          } catch {
            // aborted
          }
        })();
      }),
    );
  }
  await Promise.all(ready);
  const changes = 20;
  for (let c = 0; c < changes; c++) {
    const before = arrivals.length;
    sentAt = performance.now();
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `fanout-${c}` }, data: { n: String(c) } });
    const res = await fetch(cms, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    await res.arrayBuffer();
    const deadline = performance.now() + 5000;
    while (arrivals.length < before + watchers && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  for (const ac of controllers) ac.abort();
  arrivals.sort((a, b) => a - b);
  return { metric: `change to 100 watchers p99 (${changes} changes)`, value: percentile(arrivals, 99), unit: "ms", target: "<= 50 ms" };
}

/** The etcd side: etcd's own ceilings, then the API on that etcd, and the API's share of them. */
async function etcdRows(payload: string, total: number): Promise<BenchRow[]> {
  const etcd = await startEtcd();
  try {
    const ceilings = await etcdCeilings(etcd.endpoint, payload, total, CLIENTS);
    const server = await startTestServer({ args: ["--disable-controllers", "all", "--store", "etcd", "--etcd-endpoints", etcd.endpoint], ...(await benchServer()) });
    const { fetch, send, close } = pooledFetch();
    let load: CreateLoad;
    let calls: Record<string, number>;
    let cold: BenchRow;
    try {
      cold = await warmUp(send, server, ", etcd");
      const before = await etcdCalls(etcd.endpoint);
      load = await createLoad(send, server.url, server.pid(), total, CLIENTS);
      const after = await etcdCalls(etcd.endpoint);
      calls = Object.fromEntries(Object.entries(after).map(([m, n]) => [m, (n - (before[m] ?? 0)) / total]));
    } finally {
      await close();
      await server.stop();
    }
    return [
      { metric: "etcd puts/s (raw etcd3 client, same payload)", value: ceilings.rawPuts, unit: "/s", target: "(info)" },
      { metric: "etcd store creates/s (storage layer)", value: ceilings.storeCreates, unit: "/s", target: "(info)" },
      cold,
      ...loadRows(load, `, etcd, ${total}`, false),
      { metric: `etcd calls per create (reads alongside included), etcd, ${total}`, value: calls.Txn ?? 0, unit: `Txn, ${(calls.Range ?? 0).toFixed(2)} Range`, target: "(info)" },
      { metric: "API creates on etcd as a share of raw etcd puts", value: (100 * load.rate) / ceilings.rawPuts, unit: "%", target: "(info)" },
      { metric: "API creates on etcd as a share of etcd store creates", value: (100 * load.rate) / ceilings.storeCreates, unit: "%", target: "(info)" },
    ];
  } finally {
    await etcd.destroy();
  }
}
