// `npm run bench -- streams`: exec through the real server and agent on Docker. The round trip is
// what a user waits for: `kubectl exec p -- true` from process start to exit (kubectl's own start
// included), sequentially. The concurrency row opens 50 sessions at once over WebSocket
// (v5.channel.k8s.io) straight to the API server, each running a command that outlives the
// opening of all the others, and counts those that did not print their output and end with
// Success. Helper modules add their rows: port-forward (streams-portforward.ts) when present.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import { startTestAgent } from "../../agent/testing";
import { ensureImages } from "../fixtures/docker";
import { kubectlFor } from "../fixtures/kubectl";
import { startTestServer } from "../fixtures/server";
import { eventually } from "../fixtures/wait";
import { percentile, type BenchRow } from "./table";

const ROUND_TRIPS = Number(process.env.BENCH_EXEC_ROUND_TRIPS ?? 30);
const CONCURRENT = Number(process.env.BENCH_EXEC_CONCURRENT ?? 50);
const NS = "default";

function timedKubectl(kubeconfig: string, args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, "-n", NS, ...args], { timeout: 30_000 }, (err, _out, stderr) => {
      if (err) return reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr}`));
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

/** One exec session over WebSocket; resolves with what went wrong, or undefined when it printed and succeeded. */
function session(serverUrl: string, pod: string, i: number, script = `sleep 2; echo s${i}`, expected = `s${i}\n`): Promise<string | undefined> {
  const q = new URLSearchParams([["command", "sh"], ["command", "-c"], ["command", script], ["stdout", "true"], ["container", "c"]]);
  const url = `${serverUrl.replace(/^http/, "ws")}/api/v1/namespaces/${NS}/pods/${pod}/exec?${q}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ["v5.channel.k8s.io"], { rejectUnauthorized: false });
    let out = "";
    let status = "";
    ws.on("message", (data: Buffer) => {
      if (data[0] === 1) out += data.subarray(1).toString();
      if (data[0] === 3) status += data.subarray(1).toString();
    });
    ws.on("unexpected-response", (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on("error", (err) => resolve(err.message));
    ws.on("close", () => resolve(out === expected && JSON.parse(status || "{}").status === "Success" ? undefined : `output ${JSON.stringify(out)}, status ${status}`));
  });
}

async function portForwardRows(): Promise<BenchRow[]> {
  const file = join(import.meta.dirname, "streams-portforward.ts");
  if (!existsSync(file)) return [];
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const run = Object.values(mod).find((v): v is () => Promise<BenchRow[]> => typeof v === "function");
  if (!run) return [];
  try {
    return await run();
  } catch (err) {
    // The exec rows stand on their own: a port-forward failure is reported, not fatal to them.
    console.error("port-forward bench failed:", err);
    return [{ metric: "port-forward bench (streams-portforward.ts)", value: NaN, unit: "failed", target: "-" }];
  }
}

export async function benchStreams(): Promise<BenchRow[]> {
  await ensureImages();
  const server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  const id = randomBytes(3).toString("hex");
  const agent = await startTestAgent({ address: "127.0.0.94", nodeName: `bench-ex-${id}`, kubeconfig: server.kubeconfig, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.94.0/24"] });
  try {
    const kubectl = kubectlFor(server.kubeconfig);
    const pod = `bench-exec-${id}`;
    await kubectl.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: pod, namespace: NS },
      spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sleep", "3600"] }] },
    }));
    await eventually(async () => (await kubectl.ok(["get", "pod", pod, "-o", "jsonpath={.status.phase}"])) === "Running", 60_000, "the bench pod running");
    const exec = ["exec", pod, "--", "true"];
    for (let i = 0; i < 3; i++) await timedKubectl(server.kubeconfig, exec);
    const times: number[] = [];
    const gets: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      times.push(await timedKubectl(server.kubeconfig, exec));
      gets.push(await timedKubectl(server.kubeconfig, ["get", "pod", pod]));
    }
    times.sort((a, b) => a - b);
    gets.sort((a, b) => a - b);
    const direct: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t0 = process.hrtime.bigint();
      const problem = await session(server.url, pod, i, "echo x", "x\n");
      if (problem) throw new Error(`exec session failed: ${problem}`);
      direct.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    direct.sort((a, b) => a - b);
    const started = Date.now();
    const failures = (await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => session(server.url, pod, i)))).filter(Boolean);
    const wall = (Date.now() - started) / 1000;
    if (failures.length) console.error(`exec sessions that failed: ${failures.slice(0, 5).join("; ")}`);
    return [
      { metric: `kubectl exec -- true p50 (${ROUND_TRIPS} runs)`, value: percentile(times, 50), unit: "ms", target: "<= 300 ms" },
      { metric: "kubectl exec -- true p90", value: percentile(times, 90), unit: "ms", target: "-" },
      { metric: "exec round trip over WebSocket without kubectl p50 (server, agent, docker exec)", value: percentile(direct, 50), unit: "ms", target: "-" },
      { metric: "kubectl get pod p50 (kubectl's own start and one GET, for reference)", value: percentile(gets, 50), unit: "ms", target: "-" },
      { metric: `${CONCURRENT} concurrent exec sessions: failed`, value: failures.length, unit: "", target: "0" },
      { metric: `${CONCURRENT} concurrent sessions of 2 s: wall time`, value: wall, unit: "s", target: "-" },
      ...(await portForwardRows()),
    ];
  } finally {
    await agent.cleanup();
    await server.stop();
  }
}
