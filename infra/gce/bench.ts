// What goes onto the VMs, measured: bundle size and the bundled server's cold start (spawn ->
// first 200 from /version), installed as on the master (bundle + shipped native modules, a fresh
// data dir each run, the VMs' Node from scripts/node-dist.ts, whose ABI the shipped
// better-sqlite3 is built for). Run: node --import tsx infra/gce/bench.ts [runs]
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { SERVER_ENVIRONMENT, SERVER_NODE_FLAGS } from "../../controlplane/node-flags";
import { bundle, packNativeModules } from "../../scripts/build";
import { ensureNodeDist } from "../../scripts/node-dist";

const vmNode = ensureNodeDist();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function coldStart(file: string, dataDir: string): Promise<{ ms: number; cpuMs: number; rssMb: number }> {
  const port = await freePort();
  const t0 = performance.now();
  // With the node flags and environment of the master's unit (controlplane/node-flags.ts).
  const child = spawn(vmNode.node, [...SERVER_NODE_FLAGS, file, "server", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"], {
    cwd: path.dirname(file),
    env: { ...process.env, ...SERVER_ENVIRONMENT },
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/version`);
        if (r.ok) {
          const ms = performance.now() - t0;
          const cpu = cpuMs(child.pid!);
          await new Promise((res) => setTimeout(res, 2000));
          const rss = Number(execFileSync("ps", ["-o", "rss=", "-p", String(child.pid)], { encoding: "utf8" }).trim()) / 1024;
          return { ms, cpuMs: cpu, rssMb: rss };
        }
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  } finally {
    child.kill("SIGKILL");
  }
}

const runs = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(path.join(tmpdir(), "kubelab-gce-bench-"));
try {
  const file = path.join(dir, "kubelab.mjs");
  const bytes = await bundle(file);
  const natives = packNativeModules(path.join(dir, "native.tar.gz"));
  execFileSync("tar", ["-xzf", path.join(dir, "native.tar.gz"), "-C", dir]);
  copyFileSync(file, path.join(dir, "copy.mjs"));
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await coldStart(file, path.join(dir, `data-${i}`)));
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const cpu = results.map((r) => r.cpuMs).sort((a, b) => a - b);
  console.log(JSON.stringify({
    bundleBytes: bytes,
    bundleMB: +(bytes / 1024 / 1024).toFixed(2),
    nativeModulesTarGzBytes: natives,
    nodeVersion: `v${vmNode.version}`,
    coldStartToVersionMs: { runs, median: Math.round(ms[Math.floor(ms.length / 2)]), min: Math.round(ms[0]), max: Math.round(ms[ms.length - 1]) },
    // Wall time depends on the machine's load; the server's own CPU time up to that answer bounds
    // what an idle VM takes.
    cpuToVersionMs: { median: cpu[Math.floor(cpu.length / 2)], min: cpu[0], max: cpu[cpu.length - 1] },
    loadAverage1m: loadavg()[0],
    serverRssMbAfterStart: Math.round(results.reduce((a, r) => a + r.rssMb, 0) / results.length),
    bundleFileBytesOnDisk: statSync(file).size,
  }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
