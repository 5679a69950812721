// `npm run bench -- scheduler`: the scheduler and controllers at scale on 1,000 hollow nodes (in a
// child process), against a real server process (SQLite, its own controllers off): schedule and
// bind 10,000 pending pods; a 1,000-replica Deployment from apply to all Running; a rolling update
// of it; the server's RSS with that many pods. For the scheduling phase it also prints where the
// work goes: CPU per bound pod of the scheduler's process, the server and the hollow nodes, and
// the API writes per bound pod by verb and resource (from the server's apiserver_request_total).
// BENCH_SCHED_REPLICAS=0 stops after the scheduling phase. BENCH_SCHED_PROFILE=<dir> writes a
// V8 CPU profile of this (the scheduler's) process over the scheduling phase there, summed as text
// (cpuprofile.ts) in <dir>/scheduler.txt, and the hollow nodes' and the server's whole runs' under
// <dir>/hollow and <dir>/server, the server's summed over the scheduling phase in <dir>/server.txt
// (with BENCH_SERVER_CLI=bin/kubelab.mjs its profile names source files, not the bundle's one).
// The server runs from the bundle users run (bundles.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { summarize, type CpuProfile } from "./cpuprofile";
import type { Deployment } from "../../api/apps";
import { RestClient, deployments as dRes, EventRecorder, isAlreadyExists, isConnectionError, pods as podsRes } from "../../client";
import { startControllers } from "../../controlplane/controllers";
import { SharedInformers } from "../../client/informer-factory";
import { Scheduler } from "../../controlplane/scheduler/scheduler";
import { schedulePod } from "../../controlplane/scheduler/framework";
import { accountPod, newNodeInfo, newPodInfo } from "../../controlplane/scheduler/node-info";
import { makeNode, makePod } from "../../controlplane/scheduler/testing";
import { REPO_ROOT, startTestServer } from "../fixtures/server";
import { rssMb, type BenchRow } from "./table";
import { benchServer } from "./bundles";

const NODES = Number(process.env.BENCH_SCHED_NODES ?? 1000);
const PODS = Number(process.env.BENCH_SCHED_PODS ?? 10_000);
const REPLICAS = Number(process.env.BENCH_SCHED_REPLICAS ?? 1000);

function startHollowProcess(kubeconfig: string, count: number): Promise<ChildProcess> {
  const code = `
    import { RestClient } from "./client";
    import { undiciEngine } from "./client/undici-engine";
    import { runHollowAgents } from "./agent/hollow";
    const ctl = new AbortController();
    process.on("SIGTERM", () => { ctl.abort(); process.exit(0); });
    const agents = await runHollowAgents({ client: RestClient.fromKubeconfig(${JSON.stringify(kubeconfig)}, { engine: undiciEngine }), nodeNamePrefix: "hollow", count: ${count}, signal: ctl.signal, concurrency: 64 });
    console.log("hollow ready " + agents.nodeNames.length);
  `;
  const profileDir = process.env.BENCH_SCHED_PROFILE;
  const profile = profileDir ? ["--cpu-prof", "--cpu-prof-dir", join(profileDir, "hollow")] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "--input-type=module", "-e", code], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`hollow nodes did not register in 180 s:\n${out}`)), 180_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("hollow ready")) {
        clearTimeout(t);
        resolve(child);
      }
    });
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (c) => reject(new Error(`hollow process exited with ${c}:\n${out}`)));
  });
}

/** CPU time (user + system) of a process so far, in ms (Linux clock ticks are 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The server's write requests so far, by "VERB resource" (binding and status count under pods). */
async function writeCounts(client: RestClient): Promise<Map<string, number>> {
  const text = await client.raw<string>("GET", "/metrics");
  const counts = new Map<string, number>();
  for (const line of String(text).split("\n")) {
    const m = line.match(/^apiserver_request_total\{verb="(POST|PUT|PATCH|DELETE)",resource="([^"]*)",code="[^"]*"\} (\d+)/);
    if (m) counts.set(`${m[1]} ${m[2]}`, (counts.get(`${m[1]} ${m[2]}`) ?? 0) + Number(m[3]));
  }
  return counts;
}

async function forEachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean> | boolean, everyMs = 100): Promise<void> {
  const until = Date.now() + timeoutMs;
  // A loaded machine may time a request out: that reading counts as "not yet".
  while (!(await Promise.resolve().then(fn).catch((err) => (isConnectionError(err) ? false : Promise.reject(err))))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const deployment = (image: string): Deployment =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "big", namespace: "default" },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: "big" } },
      template: { metadata: { labels: { app: "big" } }, spec: { containers: [{ name: "web", image, resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
    },
  }) as unknown as Deployment;

/** Decisions per second of the filter/score framework alone (no API calls), same node and pod counts. */
function decisionRate(): number {
  const nodes = Array.from({ length: NODES }, (_, i) => newNodeInfo(makeNode(`n-${i}`)));
  let start = 0;
  const t = performance.now();
  for (let i = 0; i < PODS; i++) {
    const pod = newPodInfo(makePod(`p-${i}`, { cpu: "10m", memory: "16Mi", owner: `rs-${i % 10}` }));
    const r = schedulePod(pod, nodes, { startIndex: start });
    start = r.nextStartIndex;
    if (r.node) accountPod(r.node, pod, 1);
  }
  return PODS / ((performance.now() - t) / 1000);
}

export async function benchScheduler(): Promise<BenchRow[]> {
  const profileDir = process.env.BENCH_SCHED_PROFILE;
  const run = await benchServer();
  const server = await startTestServer({
    args: ["--disable-controllers", "all"],
    ...run,
    nodeArgs: [...run.nodeArgs, ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, "server")}`] : [])],
  });
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  let hollow: ChildProcess | undefined;
  let schedulingWindow: [number, number] | undefined;
  const rows: BenchRow[] = [
    { metric: `scheduling decisions alone (${PODS} pods, ${NODES} nodes, no API)`, value: decisionRate(), unit: "pods/s", target: "-" },
  ];
  const stop = new AbortController();
  try {
    const t0 = performance.now();
    hollow = await startHollowProcess(server.kubeconfig, NODES);
    rows.push({ metric: `register ${NODES} hollow nodes (node, status, lease)`, value: (performance.now() - t0) / 1000, unit: "s", target: "-" });

    // 1. Pending pods first, then the scheduler alone: its rate from start to the last binding.
    const tc = performance.now();
    await forEachLimited(PODS, 64, async (i) => {
      // A loaded machine may refuse a connection now and then: try again (an earlier try may have landed).
      for (let attempt = 0; ; attempt++) {
        try {
          await client.create(podsRes, "default", {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: `pending-${i}`, labels: { app: "pending" } },
            spec: { containers: [{ name: "web", image: "kubelab/web:1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
          } as never);
          return;
        } catch (err) {
          if (isAlreadyExists(err)) return;
          if (!isConnectionError(err) || attempt >= 5) throw err;
        }
      }
    });
    rows.push({ metric: `create ${PODS} pending pods (64 clients)`, value: PODS / ((performance.now() - tc) / 1000), unit: "pods/s", target: "-" });

    const schedStop = new AbortController();
    const informers = new SharedInformers(client);
    const recorder = new EventRecorder({ client, component: "default-scheduler" });
    const scheduler = new Scheduler({ client, informers, recorder });
    informers.start(schedStop.signal);
    await informers.waitForSync();
    const writesBefore = await writeCounts(client);
    const cpuBefore = { own: ownCpuMs(), server: cpuMsOf(server.pid()), hollow: cpuMsOf(hollow.pid!) };
    const profiler = profileDir ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    const ts = performance.now();
    const windowStart = process.hrtime.bigint() / 1000n;
    const run = scheduler.run(schedStop.signal);
    // Counted as the bindings arrive (a scan of 10,000 cached pods every poll cost this process
    // about 0.5 ms per pod, which is the harness's, not the scheduler's).
    let boundPods = 0;
    const countBound = (old: { spec?: { nodeName?: string } } | undefined, pod: { spec?: { nodeName?: string } }) => {
      if (pod.spec?.nodeName && !old?.spec?.nodeName) boundPods++;
    };
    const stopCounting = informers.pods().addEventHandler({ onAdd: (pod) => countBound(undefined, pod), onUpdate: countBound });
    const bound = () => boundPods;
    await waitFor("all pods bound", 300_000, () => bound() >= PODS).catch((err) => {
      throw new Error(`${(err as Error).message}: ${bound()} bound, ${scheduler.scheduledCount} bindings sent, queue ${scheduler.queue.len()}/${scheduler.queue.delayed()} delayed`);
    });
    const secs = (performance.now() - ts) / 1000;
    // Profiles' clocks are process.hrtime's (CLOCK_MONOTONIC), the same in every process.
    schedulingWindow = [Number(windowStart), Number(process.hrtime.bigint() / 1000n)];
    stopCounting();
    rows.push({ metric: `schedule + bind ${PODS} pending pods on ${NODES} nodes`, value: PODS / secs, unit: "pods/s", target: ">= 500 pods/s" });
    const cpu = { own: ownCpuMs() - cpuBefore.own, server: cpuMsOf(server.pid()) - cpuBefore.server, hollow: cpuMsOf(hollow.pid!) - cpuBefore.hollow };
    rows.push({ metric: "  scheduler process CPU per bound pod (to the last binding)", value: cpu.own / PODS, unit: "ms", target: "-" });
    rows.push({ metric: "  server CPU per bound pod (to the last binding)", value: cpu.server / PODS, unit: "ms", target: "-" });
    rows.push({ metric: "  hollow nodes' CPU per bound pod (to the last binding)", value: cpu.hollow / PODS, unit: "ms", target: "-" });
    if (profiler && profileDir) {
      const { profile } = (await profiler.post("Profiler.stop")) as unknown as { profile: CpuProfile };
      profiler.disconnect();
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(join(profileDir, "scheduler.cpuprofile"), JSON.stringify(profile));
      writeFileSync(join(profileDir, "scheduler.txt"), summarize(profile, { top: 40, operations: PODS }).join("\n") + "\n");
    }
    const writesAtBound = await writeCounts(client);
    schedStop.abort();
    await run;
    await recorder.flush();

    await waitFor("pending pods running", 300_000, async () => {
      const list = await client.listAll(podsRes, "default", { fieldSelector: "status.phase=Running", labelSelector: "app=pending", limit: 5000 });
      return list.items.length >= PODS;
    }, 1000);
    const writesAfter = await writeCounts(client);
    const total = { own: ownCpuMs() - cpuBefore.own, server: cpuMsOf(server.pid()) - cpuBefore.server, hollow: cpuMsOf(hollow.pid!) - cpuBefore.hollow };
    rows.push({ metric: "  CPU per pod to all Running, events sent: scheduler + server + hollow", value: (total.own + total.server + total.hollow) / PODS, unit: "ms", target: "-" });
    const perPod = (counts: Map<string, number>) => [...counts].map(([k, v]) => [k, (v - (writesBefore.get(k) ?? 0)) / PODS] as const).filter(([, v]) => v >= 0.005).sort();
    for (const [k, v] of perPod(writesAtBound)) rows.push({ metric: `  API writes per bound pod to the last binding: ${k}`, value: v, unit: "", target: "-" });
    for (const [k, v] of perPod(writesAfter)) rows.push({ metric: `  API writes per pod to all Running, events sent: ${k}`, value: v, unit: "", target: "-" });
    rows.push({ metric: `server RSS at ${PODS} pods`, value: rssMb(server.pid()), unit: "MB", target: "<= 400 MB" });
    if (REPLICAS === 0) return rows;

    // 2. All controllers and the scheduler; a Deployment from apply to every pod Running.
    const running = await startControllers({ client, signal: stop.signal });
    const deploymentScheduler = new Scheduler({ client, informers: running.informers, recorder: new EventRecorder({ client, component: "default-scheduler" }) });
    const scheduling = deploymentScheduler.run(stop.signal);
    const ta = performance.now();
    await client.create(dRes, "default", deployment("kubelab/web:1"));
    const available = async (image: string) => {
      const d = await client.get<Deployment>(dRes, "default", "big");
      const s = d.status;
      return (
        (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
        s?.availableReplicas === REPLICAS &&
        s?.updatedReplicas === REPLICAS &&
        s?.replicas === REPLICAS &&
        d.spec.template.spec?.containers[0]?.image === image
      );
    };
    await waitFor("deployment available", 300_000, () => available("kubelab/web:1"));
    rows.push({ metric: `${REPLICAS}-replica Deployment: apply -> all Running`, value: (performance.now() - ta) / 1000, unit: "s", target: "<= 20 s" });

    const tr = performance.now();
    await client.patch(dRes, "default", "big", { spec: { template: { spec: { containers: [{ name: "web", image: "kubelab/web:2" }] } } } }, "strategic");
    await waitFor("rolling update", 600_000, () => available("kubelab/web:2"));
    rows.push({ metric: `rolling update of ${REPLICAS} replicas (25%/25%)`, value: (performance.now() - tr) / 1000, unit: "s", target: "<= 40 s" });
    rows.push({ metric: `server RSS after the Deployment (${PODS + REPLICAS} pods)`, value: rssMb(server.pid()), unit: "MB", target: "<= 400 MB" });
    rows.push({ metric: "controllers + scheduler process RSS", value: process.memoryUsage().rss / 1024 / 1024, unit: "MB", target: "-" });
    stop.abort();
    await Promise.all([running.done, scheduling]);
    return rows;
  } finally {
    stop.abort();
    hollow?.kill("SIGTERM");
    await server.stop();
    if (profileDir && schedulingWindow) writeServerProfile(profileDir, schedulingWindow);
  }
}

/** The server's main-thread profile (written at its exit; the largest file) summed over the scheduling phase, per bound pod. */
function writeServerProfile(dir: string, window: [number, number]): void {
  writeFileSync(join(dir, "window.json"), JSON.stringify(window));
  const files = readdirSync(join(dir, "server")).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, "server", f));
  const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!main) return;
  const profile = JSON.parse(readFileSync(main, "utf8")) as CpuProfile;
  writeFileSync(join(dir, "server.txt"), summarize(profile, { top: 60, operations: PODS, window }).join("\n") + "\n");
}
