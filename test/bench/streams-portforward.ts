// The port-forward rows of `npm run bench -- streams` (streams.ts calls the one function exported
// here): throughput of `kubectl port-forward` on loopback, the way a user moves data through it.
// A pod serves a 64 MiB file with busybox httpd; each run downloads it through one forward (the
// WebSocket tunnel kubectl 1.32 uses by default) and the best and median MB/s are reported, with
// the plain SPDY upgrade (the fallback) for comparison.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort, startTestAgent } from "../../agent/testing";
import { removePodNetworks } from "../../agent/network/teardown";
import { ensureImages } from "../fixtures/docker";
import { kubectlFor } from "../fixtures/kubectl";
import { startTestServer } from "../fixtures/server";
import { eventually } from "../fixtures/wait";
import { percentile, type BenchRow } from "./table";

const SIZE_MB = 64;
const RUNS = Number(process.env.BENCH_PORTFORWARD_RUNS ?? 5);
const NS = "default";

/** Downloads the file once through the forward; MB/s (10^6 bytes per second). */
async function download(port: number): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}/big`);
  if (!res.ok || !res.body) throw new Error(`download answered ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
  if (bytes !== SIZE_MB * 1024 * 1024) throw new Error(`downloaded ${bytes} bytes, expected ${SIZE_MB} MiB`);
  return bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function startForward(kubectl: ReturnType<typeof kubectlFor>, pod: string, websocket: boolean): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const saved = process.env.KUBECTL_PORT_FORWARD_WEBSOCKETS;
  process.env.KUBECTL_PORT_FORWARD_WEBSOCKETS = websocket ? "true" : "false";
  const proc = kubectl.spawn(["-n", NS, "port-forward", `pod/${pod}`, `${port}:80`]);
  if (saved === undefined) delete process.env.KUBECTL_PORT_FORWARD_WEBSOCKETS;
  else process.env.KUBECTL_PORT_FORWARD_WEBSOCKETS = saved;
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  await eventually(() => out.includes("Forwarding from"), 20_000, "kubectl port-forward listening");
  return { proc, port };
}

async function throughput(kubectl: ReturnType<typeof kubectlFor>, pod: string, websocket: boolean): Promise<number[]> {
  const { proc, port } = await startForward(kubectl, pod, websocket);
  try {
    // Warm-up, and the pod's httpd may still be starting.
    await eventually(() => download(port).then(() => true, () => false), 20_000, "a first download");
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) rates.push(await download(port));
    return rates.sort((a, b) => a - b);
  } finally {
    proc.kill();
  }
}

export async function benchPortForward(): Promise<BenchRow[]> {
  await ensureImages();
  const server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  const id = randomBytes(3).toString("hex");
  const agent = await startTestAgent({ address: "127.0.0.95", nodeName: `bench-pf-${id}`, kubeconfig: server.kubeconfig, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.95.0/24"] });
  try {
    const kubectl = kubectlFor(server.kubeconfig);
    const pod = `bench-pf-${id}`;
    const script = `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1048576 count=${SIZE_MB} 2>/dev/null && touch /www/ready && exec httpd -f -p 80 -h /www`;
    await kubectl.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: pod, namespace: NS },
      spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sh", "-c", script] }] },
    }));
    await eventually(async () => (await kubectl.ok(["get", "pod", pod, "-o", "jsonpath={.status.phase}"])) === "Running", 60_000, "the bench pod running");
    const ws = await throughput(kubectl, pod, true);
    const spdy = await throughput(kubectl, pod, false);
    return [
      { metric: `kubectl port-forward throughput, WebSocket tunnel (${SIZE_MB} MiB download, median of ${RUNS})`, value: percentile(ws, 50), unit: "MB/s", target: ">= 50 MB/s" },
      { metric: "kubectl port-forward throughput, WebSocket tunnel, best run", value: ws[ws.length - 1]!, unit: "MB/s", target: "-" },
      { metric: `kubectl port-forward throughput, plain SPDY fallback (median of ${RUNS})`, value: percentile(spdy, 50), unit: "MB/s", target: "-" },
    ];
  } finally {
    await agent.cleanup();
    await removePodNetworks([agent.nodeName]);
    await server.stop();
  }
}
