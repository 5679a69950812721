// `npm run bench -- api-read`: the read path (GET and LIST from the watch cache) of a real server
// process on SQLite, no controllers: pod creates from 16 clients with GETs alongside (get p99),
// then whole lists of 10,000 pods (time to the last byte on loopback and the server's CPU per
// list, bodies not parsed by the client), `kubectl get pods` as kubectl asks for it (Tables in
// pages of 500), then the server's RSS with 11,000 pods (1,000 of them in
// a second namespace). With BENCH_READ_BASELINE=<dir of another checkout> the same runs against
// that checkout's server too (the create loads at the same time, the lists interleaved), and the
// ratios are printed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchPod, cpuMs, createLoad, pooledFetch, type BenchFetch, type CreateLoad } from "./api-load";
import { percentile, rssMb, type BenchRow } from "./table";

const CLIENTS = 16;
const LISTS = 7;

interface Server {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `kubelab server` from the checkout at `root`, on a free port with a temp data dir. */
async function startServer(name: string, root: string): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "kubelab-read-bench-"));
  const proc: ChildProcess = spawn(
    process.execPath,
    [join(root, "bin/kubelab.mjs"), "server", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--log-level", "warn", "--disable-controllers", "all"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} server did not start:\n${output}`)), 60_000);
    proc.stdout!.on("data", (c: Buffer) => {
      output += c.toString();
      const m = output.match(/"msg":"kubelab server ready","url":"([^"]+)"/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    proc.once("exit", (code) => fail(new Error(`${name} server exited with ${code}:\n${output}`)));
  });
  return {
    name,
    url,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((done) => {
        proc.once("exit", () => {
          rmSync(dataDir, { recursive: true, force: true });
          done();
        });
        proc.kill("SIGTERM");
      }),
  };
}

async function createPods(fetch: BenchFetch, s: Server, ns: string, count: number): Promise<void> {
  const json = { "Content-Type": "application/json" };
  await (await fetch(`${s.url}/api/v1/namespaces`, { method: "POST", headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }) })).arrayBuffer();
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${s.url}/api/v1/namespaces/${ns}/pods`, { method: "POST", headers: json, body: JSON.stringify(benchPod(`extra-${i}`)) });
      await res.arrayBuffer();
    }
  }));
}

/** One whole list of default's pods: wall ms to the last byte and server CPU ms. */
async function listOnce(fetch: BenchFetch, s: Server, total: number): Promise<{ ms: number; cpu: number }> {
  const cpu = cpuMs(s.pid);
  const t = performance.now();
  const res = await fetch(`${s.url}/api/v1/namespaces/default/pods`, {});
  const body = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - t;
  const count = body.toString("latin1").split('"kind":"Pod"').length - 1;
  if (res.status !== 200 || count !== total) throw new Error(`${s.name}: list returned ${res.status} with ${count} pods`);
  return { ms, cpu: cpuMs(s.pid) - cpu };
}

/** The Accept header kubectl get sends: a server-side Table, else plain JSON. */
const KUBECTL_GET_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/** `kubectl get pods` as kubectl sends it: Tables in pages of 500 (--chunk-size), to the last byte of the last page; wall and server CPU ms. */
async function kubectlGetOnce(fetch: BenchFetch, s: Server, total: number): Promise<{ ms: number; cpu: number }> {
  const cpu = cpuMs(s.pid);
  const t = performance.now();
  let rows = 0;
  let next = "";
  do {
    const res = await fetch(`${s.url}/api/v1/namespaces/default/pods?limit=500${next && `&continue=${next}`}`, { headers: { Accept: KUBECTL_GET_ACCEPT } });
    const page = (await res.json()) as { rows?: unknown[]; metadata?: { continue?: string } };
    if (res.status !== 200) throw new Error(`${s.name}: Table page returned ${res.status}`);
    rows += page.rows?.length ?? 0;
    next = page.metadata?.continue ?? "";
  } while (next);
  const ms = performance.now() - t;
  if (rows !== total) throw new Error(`${s.name}: Table pages had ${rows} rows`);
  return { ms, cpu: cpuMs(s.pid) - cpu };
}

export async function benchApiRead(): Promise<BenchRow[]> {
  const total = Number(process.env.BENCH_API_PODS ?? 10_000);
  const baseline = process.env.BENCH_READ_BASELINE;
  const servers = [await startServer("this", resolve(import.meta.dirname, "../.."))];
  if (baseline) servers.push(await startServer("baseline", resolve(baseline)));
  const { fetch, send, close } = pooledFetch();
  const loads = new Map<Server, CreateLoad>();
  const lists = new Map<Server, { ms: number[]; cpu: number[] }>();
  const tables = new Map<Server, { ms: number[]; cpu: number[] }>();
  const rss = new Map<Server, number>();
  try {
    // Both servers under their create load at the same time: the same machine conditions for each.
    await Promise.all(servers.map(async (s) => loads.set(s, await createLoad(send, s.url, s.pid, total, CLIENTS))));
    await Promise.all(servers.map((s) => createPods(fetch, s, "extra", Math.round(total / 10))));
    for (const s of servers) lists.set(s, { ms: [], cpu: [] });
    for (const s of servers) tables.set(s, { ms: [], cpu: [] });
    // Interleaved: A, B, A, B... (the first of each warms up and is dropped).
    for (const [once, into] of [[listOnce, lists], [kubectlGetOnce, tables]] as const) {
      for (let i = 0; i <= LISTS; i++) {
        for (const s of i % 2 ? [...servers].reverse() : servers) {
          const r = await once(fetch, s, total);
          if (i > 0) {
            into.get(s)!.ms.push(r.ms);
            into.get(s)!.cpu.push(r.cpu);
          }
        }
      }
    }
    for (const s of servers) rss.set(s, rssMb(s.pid));
  } finally {
    await close();
    for (const s of servers) await s.stop();
  }
  const rows: BenchRow[] = [];
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const s of servers) {
    const tag = servers.length > 1 ? ` [${s.name}]` : "";
    const load = loads.get(s)!;
    const l = lists.get(s)!;
    rows.push(
      { metric: `get p50 / p99 under ${CLIENTS}-client creates${tag}`, value: load.getP50, unit: `ms / ${load.getP99.toFixed(2)} ms`, target: "p99 <= 5 ms" },
      { metric: `pod creates/s alongside${tag}`, value: load.rate, unit: "/s", target: "(info)" },
      { metric: `list ${total} pods, to the last byte (median of ${LISTS})${tag}`, value: median(l.ms), unit: "ms", target: "<= 150 ms" },
      { metric: `server CPU per list of ${total} pods (mean)${tag}`, value: l.cpu.reduce((a, b) => a + b, 0) / l.cpu.length, unit: "ms", target: "(info)" },
      { metric: `kubectl get pods: ${total} as Tables in pages of 500, to the last byte (median of ${LISTS})${tag}`, value: median(tables.get(s)!.ms), unit: "ms", target: "(info)" },
      { metric: `server CPU per kubectl get of ${total} pods (mean)${tag}`, value: mean(tables.get(s)!.cpu), unit: "ms", target: "(info)" },
      { metric: `server RSS with ${total + Math.round(total / 10)} pods${tag}`, value: rss.get(s)!, unit: "MB", target: "<= 300 MB" },
    );
  }
  if (servers.length > 1) {
    const [a, b] = servers as [Server, Server];
    const la = lists.get(a)!;
    const lb = lists.get(b)!;
    rows.push(
      { metric: "list time, this / baseline", value: median(la.ms) / median(lb.ms), unit: "x", target: "(info)" },
      { metric: "list server CPU, this / baseline", value: la.cpu.reduce((x, y) => x + y, 0) / lb.cpu.reduce((x, y) => x + y, 0), unit: "x", target: "(info)" },
      { metric: "kubectl get server CPU, this / baseline", value: mean(tables.get(a)!.cpu) / mean(tables.get(b)!.cpu), unit: "x", target: "(info)" },
      { metric: "get p99, this / baseline", value: loads.get(a)!.getP99 / loads.get(b)!.getP99, unit: "x", target: "(info)" },
      { metric: "server CPU per create (reads incl.), this / baseline", value: loads.get(a)!.cpuPerCreate / loads.get(b)!.cpuPerCreate, unit: "x", target: "(info)" },
      { metric: "RSS, this / baseline", value: rss.get(a)! / rss.get(b)!, unit: "x", target: "(info)" },
    );
  }
  rows.push({ metric: "load average (1 min) at the end", value: loadavg()[0]!, unit: "", target: "(info)" });
  return rows;
}
