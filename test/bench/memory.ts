// `npm run bench -- memory`: what the control plane holds at 11,000 pods. Three processes, as a
// real cluster splits them: the API server (`kubelab server --disable-controllers all`), the
// scheduler + controller manager + git-sync (the same startComponents wiring `kubelab server` runs,
// in a process of its own), and hollow nodes that run the pods. 1,000 Deployments of 11 replicas
// go from apply to every pod Running; then each process's RSS and heap (after a full GC) and every
// informer cache of the controllers' process with its object count.
// BENCH_MEMORY_DEPLOYMENTS, _REPLICAS, _NODES scale it; BENCH_MEMORY_HEAPSNAPSHOT=<dir> also
// writes heap snapshots of the controllers' process and of the server there (for Chrome DevTools'
// Memory tab, or any heap snapshot reader).
import { spawn, type ChildProcess } from "node:child_process";
import type { Deployment } from "../../api/apps";
import { RestClient, deployments as dRes } from "../../client";
import { REPO_ROOT, startTestServer } from "../fixtures/server";
import { rssFileMb, rssMb, type BenchRow } from "./table";
import { benchServer } from "./bundles";

const DEPLOYMENTS = Number(process.env.BENCH_MEMORY_DEPLOYMENTS ?? 1000);
const REPLICAS = Number(process.env.BENCH_MEMORY_REPLICAS ?? 11);
const NODES = Number(process.env.BENCH_MEMORY_NODES ?? 120);
const PODS = DEPLOYMENTS * REPLICAS;

interface Measure {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  informers: Array<{ informer: string; objects: number }>;
  snapshot?: string;
}

/** Lines at pino's error level or above a child wrote (a frozen cache changed by a controller shows here). */
const errorLines = new WeakMap<ChildProcess, number>();

/** A child on tsx with an IPC channel; resolves once it prints `ready`. */
function startChild(what: string, code: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...args, "--import", "tsx", "--input-type=module", "-e", code], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`${what} not ready in 180 s:\n${out}`)), 180_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) {
        clearTimeout(t);
        resolve(child);
      }
    });
    const countErrors = (d: Buffer) => errorLines.set(child, (errorLines.get(child) ?? 0) + (d.toString().match(/"level":(50|60)/g)?.length ?? 0));
    child.stdout!.on("data", countErrors);
    child.stderr!.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.once("exit", (c) => reject(new Error(`${what} exited with ${c}:\n${out}`)));
  });
}

function hollowCode(kubeconfig: string): string {
  return `
    import { RestClient } from "./client";
    import { undiciEngine } from "./client/undici-engine";
    import { runHollowAgents } from "./agent/hollow";
    const ctl = new AbortController();
    process.on("disconnect", () => process.exit(0));
    const agents = await runHollowAgents({ client: RestClient.fromKubeconfig(${JSON.stringify(kubeconfig)}, { engine: undiciEngine }), nodeNamePrefix: "hollow", count: ${NODES}, signal: ctl.signal, concurrency: 64 });
    console.log("hollow ready " + agents.nodeNames.length);
  `;
}

/** The scheduler, every controller and git-sync, wired exactly as `kubelab server` wires them. */
function componentsCode(url: string, dataDir: string): string {
  return `
    import { pino } from "pino";
    import { Registry } from "prom-client";
    import { writeHeapSnapshot } from "node:v8";
    import * as informers from "./client/informer";
    import { startComponents } from "./controlplane/components";
    const ctl = new AbortController();
    process.on("disconnect", () => process.exit(0));
    const options = { dataDir: ${JSON.stringify(dataDir)}, listen: "", storeBackend: "sqlite", disableControllers: [], nodeMonitorGracePeriodSeconds: 40, defaultUnreachableTolerationSeconds: 300 };
    await startComponents({ apiUrl: ${JSON.stringify(url)}, options, logger: pino({ level: "warn" }), metrics: new Registry(), signal: ctl.signal, addHandler: () => undefined });
    // informerCensus is optional so that the same bench measures a tree from before it existed.
    const census = () => informers.informerCensus?.() ?? [];
    process.on("message", async (m) => {
      if (m.type === "census") return process.send({ informers: census() });
      // A full GC, then quiet seconds (BENCH_MEMORY_QUIET_MS, default 10 s): V8 gives freed pages
      // back to the OS in the background and shrinks the heap it grew during the burst.
      globalThis.gc();
      await new Promise((r) => setTimeout(r, Number(process.env.BENCH_MEMORY_QUIET_MS ?? 10_000)));
      globalThis.gc();
      const mem = process.memoryUsage();
      const snapshot = m.snapshotDir ? writeHeapSnapshot(m.snapshotDir + "/controllers-" + Date.now() + ".heapsnapshot") : undefined;
      process.send({ rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, informers: census(), snapshot });
    });
    console.log("components ready");
  `;
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    child.send(msg);
  });
}

const deployment = (i: number): Deployment =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `app-${i}`, namespace: "default", labels: { app: `app-${i}`, tier: "web" } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: `app-${i}` } },
      template: {
        metadata: { labels: { app: `app-${i}`, tier: "web" } },
        spec: {
          containers: [{ name: "web", image: "kubelab/web:1", ports: [{ containerPort: 8080, name: "http" }], env: [{ name: "MODE", value: "production" }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
        },
      },
    },
  }) as unknown as Deployment;

async function forEachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>, everyMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The server's own heap, used and committed (prom-client's default metrics on its /metrics). */
async function serverHeapMb(url: string): Promise<{ used: number; total: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] ?? NaN) / 1024 / 1024;
  return { used: read("nodejs_heap_size_used_bytes"), total: read("nodejs_heap_size_total_bytes") };
}

export async function benchMemory(): Promise<BenchRow[]> {
  const snapshotDir = process.env.BENCH_MEMORY_HEAPSNAPSHOT;
  const run = await benchServer();
  const env = { ...run.env, ...(snapshotDir ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}` } : {}) };
  const server = await startTestServer({ args: ["--disable-controllers", "all"], ...run, env });
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  const children: ChildProcess[] = [];
  try {
    children.push(await startChild("hollow nodes", hollowCode(server.kubeconfig)));
    const components = await startChild("components", componentsCode(server.url, server.dataDir), ["--expose-gc"]);
    children.push(components);
    const idle = await ask<Measure>(components, { type: "measure" });
    const t0 = performance.now();
    await forEachLimited(DEPLOYMENTS, 16, async (i) => void (await client.create(dRes, "default", deployment(i))));
    const available = async () => {
      const list = await client.listAll<Deployment>(dRes, "default", { limit: 1000 });
      return list.items.reduce((n, d) => n + (d.status?.availableReplicas ?? 0), 0) >= PODS;
    };
    await waitFor(`${PODS} pods available`, 1_800_000, available);
    const secs = (performance.now() - t0) / 1000;
    // The last status writes reach every cache.
    await waitFor("the pod cache to hold every pod", 60_000, async () => {
      const { informers } = await ask<Measure>(components, { type: "census" });
      return informers.length === 0 || informers.some((i) => i.informer === "pods" && i.objects >= PODS);
    }, 500);
    const m = await ask<Measure>(components, { type: "measure", snapshotDir });
    const mb = (b: number) => b / 1024 / 1024;
    const serverRss = rssMb(server.pid());
    const heap = await serverHeapMb(server.url);
    const rows: BenchRow[] = [
      { metric: `${DEPLOYMENTS} Deployments x ${REPLICAS}: apply -> ${PODS} pods available on ${NODES} hollow nodes`, value: secs, unit: "s", target: "-" },
      { metric: `controllers + scheduler process RSS at 0 pods (started, synced)`, value: mb(idle.rss), unit: "MB", target: "-" },
      { metric: `controllers + scheduler process heap used at 0 pods (after GC)`, value: mb(idle.heapUsed), unit: "MB", target: "-" },
      { metric: `controllers + scheduler process RSS at ${PODS} pods`, value: mb(m.rss), unit: "MB", target: "<= 300 MB" },
      { metric: `controllers + scheduler process heap used / total (after GC)`, value: mb(m.heapUsed), unit: `/ ${mb(m.heapTotal).toFixed(0)} MB`, target: "-" },
      { metric: `controllers + scheduler process external memory`, value: mb(m.external), unit: "MB", target: "-" },
      { metric: `controllers + scheduler process error log lines`, value: errorLines.get(components) ?? 0, unit: "lines", target: "0" },
      { metric: `server RSS at ${PODS} pods`, value: serverRss, unit: "MB", target: "<= 300 MB" },
      { metric: `  of which file-backed (node's code, SQLite's mapped WAL index)`, value: rssFileMb(server.pid()), unit: "MB", target: "-" },
      { metric: `  of which V8's heap, committed (used: ${heap.used.toFixed(1)} MB)`, value: heap.total, unit: "MB", target: "-" },
      { metric: `hollow nodes process RSS`, value: rssMb(children[0].pid!), unit: "MB", target: "-" },
    ];
    for (const i of m.informers) rows.push({ metric: `  informer ${i.informer}`, value: i.objects, unit: "objects", target: "-" });
    if (snapshotDir) {
      // The server writes it on its main thread: a request answered afterwards means it is done.
      process.kill(server.pid(), "SIGUSR2");
      await serverHeapMb(server.url);
    }
    if (m.snapshot) console.log(`heap snapshots in ${snapshotDir}: the controllers' process ${m.snapshot}, the server's Heap.*.heapsnapshot`);
    return rows;
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await server.stop();
  }
}
