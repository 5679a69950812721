// Test helpers for the agent: run `kubelab agent` as a real child process (or in-process) with a
// unique node name, its own loopback address and free ports, and remove every container it made
// afterwards (they all carry io.kubelab.node=<node name>), also when a test fails.
// Given a secure test server (test/fixtures/server.ts, `secure: true`), each agent is its own node,
// system:node:<name>: by the kubelet's TLS bootstrap (a bootstrap token, --bootstrap-kubeconfig)
// when the server's CSR approver and signer run, else by a certificate the test CA issues.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { removeContainersByLabel } from "../test/fixtures/docker";
import type { TestServer } from "../test/fixtures/server";
import { eventually as waitFor } from "../test/fixtures/wait";
import { LABEL_NODE } from "./runtime/labels";
import type { NodePodStatus, Pod } from "./types";

/** A pod as the agent's /pods shows it: container statuses are the ones the agent computed. */
export type ObservedPod = Omit<Pod, "status"> & { status?: NodePodStatus };

const CLI = resolve(import.meta.dirname, "../bin/kubelab.mjs");

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolvePort(port));
    });
  });
}

export interface TestAgentOptions {
  /** 127.0.0.N: distinct per test file, since files run in parallel. */
  address: string;
  /** The API server to join as a node of its own (a secure one) or with its admin kubeconfig. */
  server?: TestServer;
  /** With a secure server: "bootstrap" (default when the server can) or "certificate" (issued up front). */
  identity?: "bootstrap" | "certificate";
  /** An explicit kubeconfig (instead of `server`). */
  kubeconfig?: string;
  manifestDir?: boolean;
  args?: string[];
  nodeName?: string;
  /** Script to run instead of bin/kubelab.mjs (e.g. the esbuild bundle of npm run build). */
  cli?: string;
  /** Extra node flags (e.g. --max-semi-space-size=2). */
  nodeArgs?: string[];
}

export interface TestAgent {
  nodeName: string;
  address: string;
  readOnlyPort: number;
  port: number;
  manifestDir: string;
  rootDir: string;
  /** The kubeconfig the agent talks to the API server with (its own, with a secure server). */
  kubeconfig?: string;
  logs(): string;
  /** Process id of the running agent (for RSS and CPU readings). */
  pid(): number;
  /** GET on the read-only port, parsed as JSON. */
  pods(): Promise<ObservedPod[]>;
  /** SIGKILL (no cleanup at all), or SIGTERM. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stops the agent and removes its containers and directories. */
  cleanup(): Promise<void>;
}

export async function startTestAgent(opts: TestAgentOptions): Promise<TestAgent> {
  const nodeName = opts.nodeName ?? `t-${randomBytes(4).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "kubelab-agent-"));
  const manifestDir = join(dir, "manifests");
  const rootDir = join(dir, "root");
  const readOnlyPort = await freePort(opts.address);
  const port = await freePort(opts.address);
  let child: ChildProcess | undefined;
  let output = "";
  const credential = await credentialArgs(opts, nodeName, dir);

  const args = [
    ...(opts.nodeArgs ?? []),
    opts.cli ?? CLI,
    "agent",
    "--node-name", nodeName,
    "--address", opts.address,
    "--read-only-port", String(readOnlyPort),
    "--port", String(port),
    "--root-dir", rootDir,
    "--pause-image", "kubelab/pause:3.10",
    ...(opts.manifestDir !== false ? ["--pod-manifest-path", manifestDir] : []),
    ...credential.args,
    ...(opts.args ?? []),
  ];

  const agent: TestAgent = {
    nodeName,
    address: opts.address,
    readOnlyPort,
    port,
    manifestDir,
    rootDir,
    kubeconfig: credential.kubeconfig,
    logs: () => output,
    pid: () => child?.pid ?? 0,
    async pods() {
      const res = await fetch(`http://${opts.address}:${readOnlyPort}/pods`);
      const list = (await res.json()) as { items: ObservedPod[] };
      return list.items;
    },
    async start() {
      const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      proc.stdout!.on("data", (c: Buffer) => (output += c.toString()));
      proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
      const healthy = async (): Promise<boolean> => {
        if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}:\n${output}`);
        return (await fetch(`http://${opts.address}:${readOnlyPort}/healthz`)).ok;
      };
      try {
        await waitFor(healthy, { timeoutMs: 30_000, what: "the agent's /healthz", intervalMs: 100 });
      } catch (err) {
        if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}:\n${output}`);
        throw new Error(`agent did not start in 30s (${(err as Error).message}):\n${output}`);
      }
    },
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((done) => {
        const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
        c.once("exit", () => {
          clearTimeout(t);
          done();
        });
        c.kill(signal);
      });
    },
    async cleanup() {
      await agent.kill("SIGKILL");
      await removeContainersByLabel(`${LABEL_NODE}=${nodeName}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await agent.start();
  return agent;
}

/** The agent's --kubeconfig (and --bootstrap-kubeconfig, --cert-dir) for the options' server or kubeconfig. */
async function credentialArgs(opts: TestAgentOptions, nodeName: string, dir: string): Promise<{ args: string[]; kubeconfig?: string }> {
  const pki = opts.server?.pki;
  if (opts.kubeconfig || !opts.server) return { args: opts.kubeconfig ? ["--kubeconfig", opts.kubeconfig] : [], kubeconfig: opts.kubeconfig };
  if (!pki) return { args: ["--kubeconfig", opts.server.kubeconfig], kubeconfig: opts.server.kubeconfig };
  const identity = opts.identity ?? (pki.canBootstrap ? "bootstrap" : "certificate");
  if (identity === "certificate") {
    const kubeconfig = pki.nodeKubeconfig(nodeName);
    return { args: ["--kubeconfig", kubeconfig], kubeconfig };
  }
  if (!pki.canBootstrap) throw new Error("this test server runs no CSR approver and signer (--disable-controllers): the agent cannot bootstrap; use identity: \"certificate\"");
  const kubeconfig = join(dir, "kubeconfig");
  return { args: ["--bootstrap-kubeconfig", await pki.bootstrapKubeconfig(), "--kubeconfig", kubeconfig, "--cert-dir", join(dir, "pki")], kubeconfig };
}

/** Polls fn until it returns a truthy value (returned): test/fixtures/wait.ts's eventually, every 200 ms. */
export function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = "condition"): Promise<NonNullable<T>> {
  return waitFor(fn, { timeoutMs, what, intervalMs: 200 });
}

export function podManifest(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, ...extra }, spec });
}
