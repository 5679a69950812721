// `kubelab lab up|down|status`: the whole cluster on this machine. The server and one agent per
// worker run as background processes with their logs in the lab dir; each worker has its own
// loopback address (127.0.0.2, 127.0.0.3, ...) so host ports and NodePorts never collide; a bare
// git repository in the lab dir feeds git-sync through its post-receive hook.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { isAlive, startDetached, stopProcess, type LabProcess } from "./processes";
import { ensureLabRepo, pushFolder } from "./repo";

const run = promisify(execFile);
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** Built by `lab up` into dist/, inside the repository, so it finds better-sqlite3 in node_modules. */
const BUNDLE = join(REPO_ROOT, "dist/kubelab.mjs");

export interface LabUpOptions {
  dir: string;
  workers: number;
  port: number;
  seed: boolean;
  /** Worker i is `${namePrefix}${i + 1}` on address firstAddress + i (127.0.0.2, 127.0.0.3, ...). */
  namePrefix?: string;
  firstAddress?: string;
  /** Short times so a dead worker's pods move within a minute (the lab is for watching that). */
  nodeMonitorGracePeriod: string;
  unreachableTolerationSeconds: number;
  log?: (line: string) => void;
}

export interface LabState {
  dir: string;
  apiUrl: string;
  kubeconfig: string;
  repo: string;
  server: LabProcess;
  agents: Array<LabProcess & { node: string; address: string }>;
}

const stateFile = (dir: string) => join(dir, "lab.json");

export function readLabState(dir: string): LabState | undefined {
  const f = stateFile(resolve(dir));
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, "utf8")) as LabState;
}

export function workerAddress(i: number, first = "127.0.0.2"): string {
  const parts = first.split(".").map(Number);
  if (parts.length !== 4 || parts[0] !== 127 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || parts[3] + i > 254) {
    throw new Error(`worker addresses must stay in 127.0.0.0/8: ${first} + ${i}`);
  }
  return [parts[0], parts[1], parts[2], parts[3] + i].join(".");
}

export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  const dir = resolve(opts.dir);
  if (opts.workers < 1 || opts.workers > 50) throw new Error(`--workers must be between 1 and 50, got ${opts.workers}`);
  const existing = readLabState(dir);
  if (existing && existing.server.pid && isAlive(existing.server.pid)) {
    throw new Error(`a lab is already running from ${dir} (server pid ${existing.server.pid}); run \`kubelab lab down --dir ${opts.dir}\` first`);
  }
  // Agents left from an earlier run whose server died would fight the new ones over the same
  // node names (and remove their containers): stop them first.
  if (existing) await Promise.all(existing.agents.map((a) => stopProcess(a.pid)));
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });

  log("[1/5] Docker engine");
  try {
    await run("bash", [join(REPO_ROOT, "scripts/ensure-docker.sh")], { timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `no Docker engine: ${(err.stderr || err.message).trim()}\n` +
        "Fix: install Debian's docker.io and start dockerd (as root: bash scripts/ensure-docker.sh), then run the lab again.",
    );
  }
  log("[2/5] local images (pause, busybox, web:1, web:2) and the kubelab bundle");
  const { ensureImages } = await import("../../scripts/images/build");
  const built = await ensureImages();
  if (built.length) log(`      built ${built.join(", ")}`);
  // The server and agents run from the esbuild bundle (what the VMs run too): a third of the
  // memory of running the sources through tsx, and a faster start.
  const { bundle } = await import("../../scripts/build");
  const fresh = `${BUNDLE}.${process.pid}.tmp`;
  await bundle(fresh);
  renameSync(fresh, BUNDLE); // atomic: a lab starting beside this one never reads half a file
  if (existsSync(`${fresh}.LEGAL.txt`)) renameSync(`${fresh}.LEGAL.txt`, `${BUNDLE}.LEGAL.txt`);

  log("[3/5] API server, scheduler, controllers and git-sync");
  const apiUrl = `http://127.0.0.1:${opts.port}`;
  const kubeconfig = join(dir, "kubeconfig");
  const tokenFile = join(dir, "webhook-token");
  if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(24).toString("hex"), { mode: 0o600 });
  const webhookToken = readFileSync(tokenFile, "utf8").trim();
  const { path: repo, created } = ensureLabRepo({ dir, webhookUrl: `${apiUrl}/hooks/gitops/default/lab`, webhookToken });
  const server = startDetached(
    "server",
    process.execPath,
    [
      BUNDLE, "server",
      "--data-dir", join(dir, "server"),
      "--listen", `127.0.0.1:${opts.port}`,
      "--write-kubeconfig", kubeconfig,
      "--gitops-repo", `file://${repo}#main`,
      "--gitops-webhook-token-file", tokenFile,
      // The articles change the lab with kubectl (set image, rollout undo): keep such changes and
      // report them as drift instead of reverting them on the next sync.
      "--gitops-self-heal", "false",
      "--node-monitor-grace-period", opts.nodeMonitorGracePeriod,
      "--default-unreachable-toleration-seconds", String(opts.unreachableTolerationSeconds),
    ],
    join(logs, "server.log"),
  );
  const state: LabState = { dir, apiUrl, kubeconfig, repo, server, agents: [] };
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  try {
    await startWorkers(state, opts, logs, log);
  } catch (e) {
    // A lab that did not come up leaves nothing running behind.
    await labDown(dir, () => undefined).catch(() => undefined);
    throw e;
  }
  if (opts.seed && created) {
    // Pushed once the workers are Ready, so the example's pods spread over them.
    log("      pushing the example (examples/gitops) to the lab repository");
    pushFolder(repo, join(REPO_ROOT, "examples/gitops"), "The seed articles' nginx Deployment and NodePort Service");
  }
  printNextSteps(state, logs, log, opts.seed);
  return state;
}

async function startWorkers(state: LabState, opts: LabUpOptions, logs: string, log: (l: string) => void): Promise<void> {
  const { dir, apiUrl, kubeconfig, server } = state;
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`)).ok, 30_000, () => {
    if (!isAlive(server.pid)) throw new Error(`the server exited; see ${join(logs, "server.log")}`);
  });

  log(`[4/5] ${opts.workers} worker agent(s)`);
  for (let i = 0; i < opts.workers; i++) {
    const node = `${opts.namePrefix ?? "worker"}${i + 1}`;
    const address = workerAddress(i, opts.firstAddress);
    const manifests = join(dir, "manifests", node);
    mkdirSync(manifests, { recursive: true });
    const agent = startDetached(
      node,
      process.execPath,
      [
        // A small young generation: the agent's heap is ~20 MB, its RSS mostly V8 headroom.
        "--max-semi-space-size=1",
        BUNDLE, "agent",
        "--node-name", node,
        "--kubeconfig", kubeconfig,
        "--address", address,
        "--pause-image", "kubelab/pause:3.10",
        "--pod-manifest-path", manifests,
        "--root-dir", join(dir, "agents", node),
        "--pod-cidr", `10.244.${i + 1}.0/24`,
      ],
      join(logs, `${node}.log`),
    );
    state.agents.push({ ...agent, node, address });
    writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  }
  await waitFor(async () => {
    const res = await fetch(`${apiUrl}/api/v1/nodes`);
    const nodes = ((await res.json()) as { items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }).items;
    const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    return ready >= opts.workers;
  }, 60_000, () => {
    for (const a of state.agents) if (!isAlive(a.pid)) throw new Error(`agent ${a.node} exited; see ${a.log}`);
  });

  log("[5/5] ready");
}

function printNextSteps(state: LabState, logs: string, log: (l: string) => void, seeded: boolean): void {
  const { apiUrl, kubeconfig, repo } = state;
  const rel = (p: string) => (p.startsWith(process.cwd() + "/") ? p.slice(process.cwd().length + 1) : p);
  log(
    [
      "",
      `The lab runs: API server ${apiUrl}, workers ${state.agents.map((a) => `${a.node} (${a.address})`).join(", ")}.`,
      "",
      "Next:",
      `  export KUBECONFIG=${kubeconfig}`,
      "  kubectl get nodes",
      `  git clone ${repo} lab-repo && cd lab-repo`,
      seeded
        ? "  sed -i 's#kubelab/web:1#kubelab/web:2#' apps/nginx-deployment.yaml && git commit -am 'web v2' && git push"
        : "  cp ../examples/seed/nginx-deployment.yaml ../examples/seed/nginx-service.yaml . && git add . && git commit -m nginx && git push",
      "  kubectl get gitrepositories; kubectl get pods -o wide; kubectl get svc nginx-service",
      "",
      `Logs: ${rel(logs)}/   Status: npx kubelab lab status   Stop: npx kubelab lab down`,
    ].join("\n"),
  );
}

export async function labDown(dirOpt: string, log: (l: string) => void = (l) => process.stdout.write(l + "\n")): Promise<void> {
  const dir = resolve(dirOpt);
  const state = readLabState(dir);
  const nodes = state?.agents.map((a) => a.node) ?? [];
  if (state) {
    // Agents first (they would otherwise restart what we remove), then the server.
    await Promise.all(state.agents.map((a) => stopProcess(a.pid)));
    await stopProcess(state.server.pid);
    log(`stopped the server and ${state.agents.length} agent(s)`);
  } else {
    log(`no lab state in ${dir}`);
  }
  const removed = await removeLabContainers(nodes);
  log(`removed ${removed} container(s)`);
  if (state) writeFileSync(stateFile(dir), JSON.stringify({ ...state, agents: [], server: { ...state.server, pid: 0 } }, null, 2));
}

/** Every container an agent of this lab made (label io.kubelab.node = one of the lab's nodes). */
async function removeLabContainers(nodes: string[]): Promise<number> {
  let removed = 0;
  for (const node of nodes) {
    let ids: string[] = [];
    try {
      const { stdout } = await run("docker", ["ps", "-aq", "--filter", `label=io.kubelab.node=${node}`]);
      ids = stdout.split("\n").filter(Boolean);
    } catch {
      return removed; // no Docker engine: nothing to remove
    }
    if (ids.length) {
      await run("docker", ["rm", "-f", ...ids]);
      removed += ids.length;
    }
  }
  return removed;
}

export interface LabStatus {
  running: boolean;
  lines: string[];
}

export async function labStatus(dirOpt: string): Promise<LabStatus> {
  const state = readLabState(resolve(dirOpt));
  if (!state || !state.server.pid) return { running: false, lines: ["no lab is running (start one with `npm run lab`)"] };
  const lines: string[] = [];
  let healthy = isAlive(state.server.pid);
  let ready = false;
  try {
    ready = (await fetch(`${state.apiUrl}/readyz`)).ok;
  } catch {
    ready = false;
  }
  healthy &&= ready;
  lines.push(`server   pid ${state.server.pid}  ${isAlive(state.server.pid) ? "running" : "STOPPED"}  ${ready ? "API ready" : "API not answering"}  ${state.apiUrl}`);
  let nodeConds = new Map<string, string>();
  if (ready) {
    const nodes = ((await (await fetch(`${state.apiUrl}/api/v1/nodes`)).json()) as { items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }> }).items;
    nodeConds = new Map(nodes.map((n) => [n.metadata.name, n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? "Ready" : "NotReady"]));
  }
  for (const a of state.agents) {
    const alive = isAlive(a.pid);
    const cond = nodeConds.get(a.node) ?? "unknown";
    healthy &&= alive && cond === "Ready";
    lines.push(`${a.node.padEnd(8)} pid ${a.pid}  ${alive ? "running" : "STOPPED"}  node ${cond}  ${a.address}`);
  }
  if (ready) {
    const pods = ((await (await fetch(`${state.apiUrl}/api/v1/pods`)).json()) as { items: Array<{ status?: { phase?: string } }> }).items;
    const running = pods.filter((p) => p.status?.phase === "Running").length;
    lines.push(`pods     ${pods.length} (${running} running)`);
  }
  lines.push(`kubeconfig ${state.kubeconfig}   repo ${state.repo}`);
  lines.push(healthy ? "healthy" : "NOT healthy: see the logs in " + join(state.dir, "logs"));
  return { running: healthy, lines };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, guard: () => void): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    guard();
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
