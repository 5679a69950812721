// `kubelab lab up|down|status`: the whole cluster on this machine. The server and one agent per
// worker run as background processes with their logs in the lab dir; each worker has its own
// loopback address (127.0.0.2, 127.0.0.3, ...) so host ports and NodePorts never collide; a bare
// git repository in the lab dir feeds git-sync through its post-receive hook.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ensureClientCA, ensureServiceAccountKey, ensureTokenAuthFile, privateDataDir, privateDir, privateFile } from "./access";
import { labApiGet, labReady } from "./api";
import { isAlive, startDetached, stopProcess } from "./processes";
import { ensureLabRepo, ensureLabRepoAccount, pushFolder } from "./repo";
import { removePodNetworks } from "../../agent/network/teardown";
import { AGENT_NODE_FLAGS } from "../../agent/node-flags";
import { LAB_SERVER_NODE_FLAGS } from "../../controlplane/node-flags";
import { readLabState, writeLabState, type LabState } from "./state";
import { LAB_POD_SECURITY_DEFAULTS } from "../../controlplane/apiserver/admission/podsecurity/config";
import { bootstrapServerArgs, createBootstrapToken, dropNodeTokens, nodeCredentialArgs, writeBootstrapKubeconfig } from "./node-credentials";
import { labServingCert } from "./ha/serving-cert";
import { startHaControlPlane, stopHaControlPlane } from "./ha/masters";
import { mastersPlan, mastersProblem } from "./ha/topology";

export { readLabState, type LabState } from "./state";
export { labStatus, statusLines, type LabStatus } from "./status";

const run = promisify(execFile);
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** Built by `lab up` into dist/, inside the repository, so it finds better-sqlite3 in node_modules. */
const BUNDLE = join(REPO_ROOT, "dist/kubelab.mjs");
/** The agent alone (cmd/kubelab-agent.ts), as workers run it. */
const AGENT_BUNDLE = join(REPO_ROOT, "dist/kubelab-agent.mjs");
/** Every worker's pod CIDR (a /24 each, from the server's node IPAM) lies in it. */
export const LAB_CLUSTER_CIDR = "10.244.0.0/16";

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
  /** --masters: 1 (SQLite, one server) or 3, 5, 7 (an etcd cluster, that many servers, HAProxy; ha/). */
  masters?: number;
  /** The range the server's node IPAM gives each worker's pod CIDR from (default LAB_CLUSTER_CIDR). */
  clusterCidr?: string;
  /** Master i (with --masters > 1) listens, with its etcd member, on masterAddress + i (default 127.0.10.1). */
  masterAddress?: string;
  log?: (line: string) => void;
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
  const mastersError = mastersProblem(opts.masters ?? 1);
  if (mastersError) throw new Error(mastersError);
  const existing = readLabState(dir);
  if (existing && existing.server.pid && isAlive(existing.server.pid)) {
    throw new Error(`a lab is already running from ${dir} (server pid ${existing.server.pid}); run \`kubelab lab down --dir ${opts.dir}\` first`);
  }
  // Agents left from an earlier run whose server died would fight the new ones over the same
  // node names (and remove their containers): stop them first.
  if (existing) await Promise.all(existing.agents.map((a) => stopProcess(a.pid)));
  if (existing?.ha) await stopHaControlPlane(existing.ha);
  privateDir(dir);
  const logs = join(dir, "logs");
  privateDir(logs);

  log("[1/5] Docker engine");
  await ensureDocker();
  log("[2/5] local images (pause, busybox, web:1, web:2) and the kubelab bundle");
  await buildImagesAndBundle(log);

  log("[3/5] API server, scheduler, controllers and git-sync");
  const { state, created } = await startServer(dir, opts.port, opts, logs, log);
  writeLabState(state);
  try {
    await startWorkers(state, opts, logs, log);
  } catch (e) {
    // A lab that did not come up leaves nothing running behind.
    await labDown(dir, () => undefined).catch(() => undefined);
    throw e;
  }
  // The lab repository applies as its own ServiceAccount (admin in default), not as git-sync.
  await ensureLabRepoAccount(state.kubeconfig);
  if (opts.seed && created) {
    // Pushed once the workers are Ready, so the example's pods spread over them.
    log("      pushing the example (examples/gitops) to the lab repository");
    pushFolder(state.repo, join(REPO_ROOT, "examples/gitops"), "The seed articles' nginx Deployment and NodePort Service");
  }
  printNextSteps(state, logs, log, opts.seed);
  return state;
}

async function ensureDocker(): Promise<void> {
  try {
    await run("bash", [join(REPO_ROOT, "scripts/ensure-docker.sh")], { timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `no Docker engine: ${(err.stderr || err.message).trim()}\n` +
        "Fix: install Debian's docker.io and start dockerd (as root: bash scripts/ensure-docker.sh), then run the lab again.",
    );
  }
}

async function buildImagesAndBundle(log: (l: string) => void): Promise<void> {
  const { ensureImages } = await import("../../scripts/images/build");
  const built = await ensureImages();
  if (built.length) log(`      built ${built.join(", ")}`);
  // The server and agents run from the esbuild bundle (what the VMs run too): a third of the
  // memory of running the sources through tsx, and a faster start.
  const { bundle, ENTRIES } = await import("../../scripts/build");
  for (const [file, entry] of [[BUNDLE, ENTRIES.cli], [AGENT_BUNDLE, ENTRIES.agent]] as const) {
    const fresh = `${file}.${process.pid}.tmp`;
    await bundle(fresh, entry);
    renameSync(fresh, file); // atomic: a lab starting beside this one never reads half a file
    if (existsSync(`${fresh}.LEGAL.txt`)) renameSync(`${fresh}.LEGAL.txt`, `${file}.LEGAL.txt`);
  }
}

/**
 * The server with bearer-token auth: the lab's API runs privileged pods, so no request without
 * the token (which only the lab's kubeconfig carries) is served, whatever its origin.
 */
async function startServer(dir: string, port: number, opts: LabUpOptions, logs: string, log: (l: string) => void): Promise<{ state: LabState; created: boolean }> {
  const apiUrl = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dir, "kubeconfig");
  const tokenFile = ensureTokenAuthFile(dir);
  dropNodeTokens(tokenFile);
  const masters = opts.masters ?? 1;
  const tls = labServingCert(dir, masters > 1 ? mastersPlan({ count: masters, apiPort: port, firstAddress: opts.masterAddress, tls: true }).map((m) => m.address) : []);
  // Client certificates signed by the lab's CA log in as their CN; pods' tokens are signed with one key file.
  const clientCA = ensureClientCA(dir);
  const serviceAccountKey = ensureServiceAccountKey(dir);
  const webhookTokenFile = privateFile(join(dir, "webhook-token"), () => randomBytes(24).toString("hex"));
  const webhookToken = readFileSync(webhookTokenFile, "utf8").trim();
  const webhookUrl = `${apiUrl}/hooks/gitops/default/lab`;
  const { path: repo, created } = ensureLabRepo({ dir, webhookUrl, webhookToken, caFile: tls.certFile });
  const dataDir = join(dir, "server");
  privateDataDir(dataDir);
  // The server writes it again (0600) once it listens; the old one must not pass for the new.
  rmSync(kubeconfig, { force: true });
  const serverArgs = [
      ...LAB_SERVER_NODE_FLAGS,
      BUNDLE, "server",
      "--data-dir", dataDir,
      "--listen", `127.0.0.1:${port}`,
      "--token-auth-file", tokenFile,
      "--tls-cert-file", tls.certFile,
      "--tls-private-key-file", tls.keyFile,
      "--client-ca-file", clientCA.certFile,
      // Workers bootstrap their own certificates from one short-lived token (node-credentials.ts).
      ...bootstrapServerArgs(clientCA),
      "--service-account-signing-key-file", serviceAccountKey,
      "--service-account-key-file", serviceAccountKey,
      "--write-kubeconfig", kubeconfig,
      "--gitops-repo", `file://${repo}#main`,
      "--gitops-webhook-token-file", webhookTokenFile,
      // What every server presents to the agents (one token for all, as with several masters any may call).
      "--kubelet-client-token-file", privateFile(join(dir, "kubelet-client-token"), () => randomBytes(32).toString("hex")),
      // The articles change the lab with kubectl (set image, rollout undo): keep such changes and
      // report them as drift instead of reverting them on the next sync.
      "--gitops-self-heal", "false",
      "--node-monitor-grace-period", opts.nodeMonitorGracePeriod,
      "--default-unreachable-toleration-seconds", String(opts.unreachableTolerationSeconds),
      "--cluster-cidr", opts.clusterCidr ?? LAB_CLUSTER_CIDR,
      // Namespaces without pod-security labels: baseline enforced, restricted warned (README, Pod Security).
      "--pod-security-defaults", LAB_POD_SECURITY_DEFAULTS,
  ];
  if (masters > 1) {
    const ha = await startHaControlPlane({ dir, logs, count: masters, port, firstAddress: opts.masterAddress, apiUrl, kubeconfig, caFile: tls.certFile, command: process.execPath, baseArgs: serverArgs, log });
    return { state: { dir, apiUrl, kubeconfig, tokenFile, caFile: tls.certFile, repo, server: ha.masters[0]!, agents: [], ha }, created };
  }
  // SQLite's file (and anything else the server makes) readable by this user only.
  const server = startDetached("server", process.execPath, serverArgs, join(logs, "server.log"), process.env, 0o077);
  return { state: { dir, apiUrl, kubeconfig, tokenFile, caFile: tls.certFile, repo, server, agents: [] }, created };
}

async function startWorkers(state: LabState, opts: LabUpOptions, logs: string, log: (l: string) => void): Promise<void> {
  const { dir, kubeconfig, server } = state;
  await waitFor(async () => existsSync(kubeconfig) && (await labReady(state)), 30_000, () => {
    if (!isAlive(server.pid)) throw new Error(`the server exited; see ${join(logs, "server.log")}`);
  });

  log(`[4/5] ${opts.workers} worker agent(s)`);
  const bootstrapKubeconfig = writeBootstrapKubeconfig(dir, await createBootstrapToken(kubeconfig), kubeconfig);
  for (let i = 0; i < opts.workers; i++) {
    const node = `${opts.namePrefix ?? "worker"}${i + 1}`;
    const address = workerAddress(i, opts.firstAddress);
    const manifests = join(dir, "manifests", node);
    mkdirSync(manifests, { recursive: true });
    const agent = startDetached(
      node,
      process.execPath,
      [
        // How every node runs the agent (V8's headroom cut: agent/node-flags.ts).
        ...AGENT_NODE_FLAGS,
        AGENT_BUNDLE, "agent",
        "--node-name", node,
        // The node's own certificate (system:node:<name>), bootstrapped from the token (node-credentials.ts).
        ...nodeCredentialArgs(dir, node, bootstrapKubeconfig),
        "--address", address,
        "--pause-image", "kubelab/pause:3.10",
        "--pod-manifest-path", manifests,
        "--root-dir", join(dir, "agents", node),
        // The node's own bridge on the pod CIDR the server's node IPAM gives it (from 10.244.0.0/16 unless --cluster-cidr),
        // and the host rules that let the pods of all workers on this one kernel reach each other.
        "--network", `kubelab-${node}`,
        "--cluster-cidr", opts.clusterCidr ?? LAB_CLUSTER_CIDR,
      ],
      join(logs, `${node}.log`),
    );
    state.agents.push({ ...agent, node, address });
    writeLabState(state);
  }
  type Nodes = { items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> };
  await waitFor(async () => {
    const nodes = (await labApiGet<Nodes>(state, "/api/v1/nodes")).items;
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
    if (state.ha) await stopHaControlPlane(state.ha);
    log(state.ha ? `stopped ${state.ha.masters.length} servers, ${state.ha.etcd.length} etcd members, HAProxy and ${state.agents.length} agent(s)` : `stopped the server and ${state.agents.length} agent(s)`);
  } else {
    log(`no lab state in ${dir}`);
  }
  const removed = await removeLabContainers(nodes);
  log(`removed ${removed} container(s)`);
  const net = await removePodNetworks(nodes);
  log(`removed ${net.bridges.length} pod network(s), ${net.rules} host rule(s) and ${net.tables} service proxy table(s)`);
  for (const e of net.errors) log(`could not remove the ${e}`);
  if (state) writeLabState({ ...state, agents: [], server: { ...state.server, pid: 0 }, ha: undefined });
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
