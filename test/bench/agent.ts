// `npm run bench -- agent`: one real `kubelab agent` process on the local Docker engine, with
// pods given as static pod manifests (the agent's own path from "I know about a pod" to
// "its containers run and its status says Running", without API server or scheduler in between).
import { writeFileSync, unlinkSync } from "node:fs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureImages } from "../fixtures/docker";
import { eventually, podManifest, startTestAgent, type TestAgent } from "../../agent/testing";
import { bundleAgent } from "../../agent/bundle";
import { REPO_ROOT } from "../fixtures/server";
import { percentile, rssMb, type BenchRow } from "./table";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of /proc/pid/stat (index 11 and 12 after "pid (comm) ").
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runningNames(agent: TestAgent): Promise<Set<string>> {
  const pods = await agent.pods();
  return new Set(
    pods
      .filter((p) => p.status?.phase === "Running" && p.status.containerStatuses?.every((c) => c.state.running))
      .map((p) => p.metadata.name),
  );
}

const webPod = (name: string) => podManifest(name, { containers: [{ name: "web", image: "kubelab/web:1" }] });

async function removeAll(agent: TestAgent, names: string[]): Promise<void> {
  for (const n of names) unlinkSync(join(agent.manifestDir, `${n}.json`));
  await eventually(async () => (await agent.pods()).length === 0, 120_000, "pods removed");
  // Containers go after the pods leave the list; wait until Docker is clean too.
  await eventually(async () => {
    const { execFileSync } = await import("node:child_process");
    return execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kubelab.node=${agent.nodeName}`]).toString().trim() === "";
  }, 120_000, "containers removed");
}

export async function benchAgent(): Promise<BenchRow[]> {
  await ensureImages();
  const cli = await bundleAgent(join(REPO_ROOT, ".kubelab/bench/agent.mjs"));
  // How a worker runs the agent: the bundle, with a small young generation (keeps RSS down;
  // override with BENCH_AGENT_NODE_ARGS="" to measure plain node).
  const nodeArgs = (process.env.BENCH_AGENT_NODE_ARGS ?? "--max-semi-space-size=1").split(" ").filter(Boolean);
  const agent = await startTestAgent({ address: "127.0.0.30", cli, nodeArgs });
  const rows: BenchRow[] = [];
  try {
    // 1. Pod startup latency: 50 pods, one a second, each timed from its manifest to Running.
    const latencies: number[] = [];
    const created = new Map<string, number>();
    const names = Array.from({ length: 50 }, (_, i) => `startup-${i}`);
    const watcher = (async () => {
      while (latencies.length < names.length) {
        const running = await runningNames(agent);
        const now = performance.now();
        for (const [name, t] of created) {
          if (running.has(`${name}-${agent.nodeName}`)) {
            latencies.push(now - t);
            created.delete(name);
          }
        }
        await sleep(100);
      }
    })();
    for (const name of names) {
      created.set(name, performance.now());
      writeFileSync(join(agent.manifestDir, `${name}.json`), webPod(name));
      await sleep(1000);
    }
    await Promise.race([watcher, sleep(120_000).then(() => { throw new Error("startup pods not all Running in 120 s"); })]);
    latencies.sort((a, b) => a - b);
    rows.push({ metric: "pod startup p50 (50 pods, 1/s)", value: percentile(latencies, 50) / 1000, unit: "s", target: "<= 1 s" });
    rows.push({ metric: "pod startup p99 (50 pods, 1/s)", value: percentile(latencies, 99) / 1000, unit: "s", target: "<= 2 s" });
    await removeAll(agent, names);

    // 2. 100 pods at once, until all Running.
    const hundred = Array.from({ length: 100 }, (_, i) => `bulk-${i}`);
    const t0 = performance.now();
    for (const name of hundred) writeFileSync(join(agent.manifestDir, `${name}.json`), webPod(name));
    await eventually(async () => (await runningNames(agent)).size === 100, 180_000, "100 pods Running");
    rows.push({ metric: "100 pods all Running", value: (performance.now() - t0) / 1000, unit: "s", target: "<= 30 s" });

    // 3. Steady state with 100 pods: RSS and CPU over 20 s of idling (nobody polls the agent).
    await sleep(5000);
    const pid = agent.pid();
    const cpu0 = cpuSeconds(pid);
    const w0 = performance.now();
    await sleep(20_000);
    const cpu = (cpuSeconds(pid) - cpu0) / ((performance.now() - w0) / 1000);
    rows.push({ metric: "agent RSS with 100 pods", value: rssMb(pid), unit: "MB", target: "<= 80 MB" });
    rows.push({ metric: "agent CPU idle with 100 pods", value: cpu * 100, unit: "% of a core", target: "< 2 %" });
    await removeAll(agent, hundred);
  } finally {
    await agent.cleanup();
  }
  return rows;
}
