// `npm run bench -- agent`: one real `kubelab agent` on the local Docker engine, run from the
// bundle the workers and the local lab run (`npm run build`'s dist/kubelab-agent.mjs, built afresh
// into .kubelab/bench; BENCH_AGENT_CLI=<file> measures another build, e.g. the whole CLI's
// dist/kubelab.mjs), measured twice:
//  - "api": as the node of a real API server (controllers off, pods created with spec.nodeName),
//    from create (POST) to status Running as the API server shows it, as Kubernetes' pod startup
//    SLO measures it; the server, dockerd and the agent share this machine's cores;
//  - "static": the agent alone, pods given as static pod manifests, timed to Running on /pods.
import { unlinkSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_NODE_FLAGS } from "../../agent/node-flags";
import { eventually, podManifest, startTestAgent, type TestAgent } from "../../agent/testing";
import { ensureImages } from "../fixtures/docker";
import { startTestServer } from "../fixtures/server";
import { benchAgentCli } from "./bundles";
import { percentile, rssFileMb, rssMb, type BenchRow } from "./table";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime (fields 14 and 15 of /proc/pid/stat), in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface PodLite {
  metadata: { name: string };
  status?: { phase?: string; containerStatuses?: Array<{ state: { running?: unknown } }> };
}

const isRunning = (p: PodLite) => p.status?.phase === "Running" && (p.status.containerStatuses ?? []).length > 0 && p.status.containerStatuses!.every((c) => c.state.running);

/** How pods come to the agent in one mode. */
interface Driver {
  create(name: string): Promise<void>;
  /** Names (as created) of the pods that are Running. */
  running(): Promise<Set<string>>;
  removeAll(): Promise<void>;
}

async function measure(label: string, agent: TestAgent, driver: Driver): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // 1. Pod startup latency: 50 pods, one a second, each timed from its creation to Running.
  const latencies: number[] = [];
  const created = new Map<string, number>();
  const names = Array.from({ length: 50 }, (_, i) => `startup-${i}`);
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const now = performance.now();
      const up = await driver.running();
      for (const [name, t] of created) {
        if (up.has(name)) {
          latencies.push(now - t);
          created.delete(name);
        }
      }
      await sleep(100);
    }
  })();
  for (const name of names) {
    created.set(name, performance.now());
    await driver.create(name);
    await sleep(1000);
  }
  await eventually(() => latencies.length === names.length, 120_000, "startup pods Running");
  watching = false;
  await watcher;
  latencies.sort((a, b) => a - b);
  rows.push({ metric: `${label}: pod startup p50 (50 pods, 1/s)`, value: percentile(latencies, 50) / 1000, unit: "s", target: "<= 1 s" });
  rows.push({ metric: `${label}: pod startup p99 (50 pods, 1/s)`, value: percentile(latencies, 99) / 1000, unit: "s", target: "<= 2 s" });
  await driver.removeAll();

  // 2. 100 pods at once, until all Running.
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 100 }, (_, i) => driver.create(`bulk-${i}`)));
  await eventually(async () => (await driver.running()).size === 100, 240_000, "100 pods Running");
  rows.push({ metric: `${label}: 100 pods all Running`, value: (performance.now() - t0) / 1000, unit: "s", target: "<= 30 s" });

  // 3. Steady state with 100 pods: RSS and CPU over 20 s of idling (nobody polls the agent).
  await sleep(10_000);
  const pid = agent.pid();
  const cpu0 = cpuSeconds(pid);
  const w0 = performance.now();
  await sleep(20_000);
  const cpu = (cpuSeconds(pid) - cpu0) / ((performance.now() - w0) / 1000);
  rows.push({ metric: `${label}: agent RSS with 100 pods`, value: rssMb(pid), unit: "MB", target: "<= 70 MB" });
  rows.push({ metric: `${label}: of which file-backed (node's own code)`, value: rssFileMb(pid), unit: "MB", target: "-" });
  rows.push({ metric: `${label}: agent CPU idle with 100 pods`, value: cpu * 100, unit: "% of a core", target: "< 2 %" });
  await driver.removeAll();
  return rows;
}

async function apiMode(cli: string, nodeArgs: string[]): Promise<BenchRow[]> {
  const server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const agent = await startTestAgent({ address: "127.0.0.30", cli, nodeArgs, kubeconfig: server.kubeconfig, manifestDir: false });
  const base = `${server.url}/api/v1/namespaces/default/pods`;
  const list = async () => ((await (await fetch(`${base}?labelSelector=bench%3Dagent`)).json()) as { items: PodLite[] }).items;
  try {
    await eventually(async () => (await fetch(`${server.url}/api/v1/nodes/${agent.nodeName}`)).ok, 30_000, "node registered");
    return await measure("api", agent, {
      async create(name) {
        const res = await fetch(base, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, labels: { bench: "agent" } },
            spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 5, containers: [{ name: "web", image: "kubelab/web:1" }] },
          }),
        });
        if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
      },
      running: async () => new Set((await list()).filter(isRunning).map((p) => p.metadata.name)),
      async removeAll() {
        await fetch(`${base}?labelSelector=bench%3Dagent`, { method: "DELETE" });
        await eventually(async () => (await list()).length === 0, 240_000, "bench pods deleted");
      },
    });
  } finally {
    await agent.cleanup();
    await server.stop();
  }
}

async function staticMode(cli: string, nodeArgs: string[]): Promise<BenchRow[]> {
  const agent = await startTestAgent({ address: "127.0.0.31", cli, nodeArgs });
  const files = new Set<string>();
  try {
    return await measure("static", agent, {
      async create(name) {
        const file = join(agent.manifestDir, `${name}.json`);
        writeFileSync(file, podManifest(name, { terminationGracePeriodSeconds: 5, containers: [{ name: "web", image: "kubelab/web:1" }] }));
        files.add(file);
      },
      async running() {
        const suffix = `-${agent.nodeName}`;
        return new Set((await agent.pods()).filter(isRunning).map((p) => p.metadata.name.slice(0, -suffix.length)));
      },
      async removeAll() {
        for (const f of files) unlinkSync(f);
        files.clear();
        await eventually(async () => (await agent.pods()).length === 0, 240_000, "static pods removed");
      },
    });
  } finally {
    await agent.cleanup();
  }
}

export async function benchAgent(): Promise<BenchRow[]> {
  await ensureImages();
  const cli = await benchAgentCli();
  // How a worker runs the agent (agent/node-flags.ts; BENCH_AGENT_NODE_ARGS="" measures plain node).
  const nodeArgs = process.env.BENCH_AGENT_NODE_ARGS === undefined ? [...AGENT_NODE_FLAGS] : process.env.BENCH_AGENT_NODE_ARGS.split(" ").filter(Boolean);
  const modes = (process.env.BENCH_AGENT_MODES ?? "api,static").split(",");
  const rows: BenchRow[] = [];
  if (modes.includes("api")) rows.push(...(await apiMode(cli, nodeArgs)));
  if (modes.includes("static")) rows.push(...(await staticMode(cli, nodeArgs)));
  return rows;
}
