// `npm run bench -- lab`: the local lab as a user meets it. Cold and warm `lab up`, git push to the
// new page served through the NodePort, and the lab's memory while idle with the example running.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../fixtures/etcd";
import { CLI, REPO_ROOT } from "../fixtures/server";
import { percentile, rssMb, type BenchRow } from "./table";

const run = promisify(execFile);
const IMAGES = ["kubelab/pause:3.10", "kubelab/busybox:1.36", "kubelab/web:1", "kubelab/web:2"];

export async function benchLab(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-bench-lab-"));
  const labDir = join(dir, "lab");
  const clone = join(dir, "clone");
  const port = await freePort();
  const lab = (...args: string[]) => run(process.execPath, [CLI, "lab", ...args, "--dir", labDir], { cwd: REPO_ROOT, timeout: 600_000 });
  const upArgs = ["--workers", "2", "--port", String(port), "--no-seed", "--name-prefix", "bench-worker", "--first-address", "127.0.0.60"];
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=b@kubelab.local", ...args], { cwd: clone, stdio: "pipe" });
  const rows: BenchRow[] = [];
  try {
    // Cold: none of the lab's images exist. BENCH_LAB_COLD=0 leaves it out (on a machine shared
    // with tests that use those images).
    let t = performance.now();
    if (process.env.BENCH_LAB_COLD !== "0") {
      for (const image of IMAGES) await run("docker", ["rmi", "-f", image]).catch(() => undefined);
      t = performance.now();
      await lab("up", ...upArgs);
      rows.push({ metric: "lab up, cold (images built)", value: (performance.now() - t) / 1000, unit: "s", target: "<= 60 s" });
      await lab("down");
    }
    t = performance.now();
    await lab("up", ...upArgs);
    rows.push({ metric: "lab up, warm", value: (performance.now() - t) / 1000, unit: "s", target: "<= 10 s" });

    execFileSync("git", ["clone", "--quiet", join(labDir, "repo.git"), clone]);
    const deployment = readFileSync(join(REPO_ROOT, "examples/seed/nginx-deployment.yaml"), "utf8");
    writeFileSync(join(clone, "nginx-service.yaml"), readFileSync(join(REPO_ROOT, "examples/seed/nginx-service.yaml"), "utf8"));
    const kubeconfig = join(labDir, "kubeconfig");
    const pushAndWait = async (version: 1 | 2): Promise<number> => {
      writeFileSync(join(clone, "nginx-deployment.yaml"), deployment.replace("image: kubelab/web:1", `image: kubelab/web:${version}`));
      git("add", ".");
      git("commit", "-q", "-m", `web v${version}`);
      const started = performance.now();
      git("push", "-q", "origin", "main");
      let nodePort = 0;
      for (;;) {
        if (performance.now() - started > 120_000) throw new Error("the page did not change within 120 s");
        try {
          if (!nodePort) {
            nodePort = Number(execFileSync("kubectl", ["--kubeconfig", kubeconfig, "get", "svc", "nginx-service", "-o", "jsonpath={.spec.ports[0].nodePort}"], { stdio: "pipe" }).toString());
          }
          const res = await fetch(`http://127.0.0.60:${nodePort}/`, { signal: AbortSignal.timeout(1000) });
          if ((await res.text()).trim() === `kubelab web v${version}`) return (performance.now() - started) / 1000;
        } catch {
          // not there yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await pushAndWait(1);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) times.push(await pushAndWait(i % 2 === 0 ? 2 : 1));
    times.sort((a, b) => a - b);
    rows.push({ metric: "git push to new page via NodePort, p50 (6 pushes)", value: percentile(times, 50), unit: "s", target: "<= 3 s" });
    rows.push({ metric: "git push to new page via NodePort, max", value: times[times.length - 1], unit: "s", target: "-" });

    await new Promise((r) => setTimeout(r, 15_000));
    const state = JSON.parse(readFileSync(join(labDir, "lab.json"), "utf8")) as { server: { pid: number }; agents: Array<{ pid: number }> };
    const total = [state.server.pid, ...state.agents.map((a) => a.pid)].reduce((sum, pid) => sum + rssMb(pid), 0);
    rows.push({ metric: "lab RSS idle, server + 2 agents, example running", value: total, unit: "MB", target: "<= 250 MB" });
    rows.push({ metric: "  of which the server", value: rssMb(state.server.pid), unit: "MB", target: "-" });
    for (const [i, a] of state.agents.entries()) rows.push({ metric: `  of which agent ${i + 1}`, value: rssMb(a.pid), unit: "MB", target: "-" });
  } finally {
    await lab("down").catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
