// `lab up --masters N` (3, 5 or 7): an etcd cluster of N members, N `kubelab server` processes on
// it, each on its own loopback address with the lab's flags plus its own, and HAProxy on
// 127.0.0.1:<port> in front of them, which kubectl and the agents use (the agents' failover is
// HAProxy's: a dead server leaves its rotation within ~2 s). With one master nothing here runs.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { privateDataDir } from "../access";
import { labReady } from "../api";
import { isAlive, startDetached, stopProcess, type LabProcess } from "../processes";
import { startEtcdCluster } from "./etcd-cluster";
import { ensureEtcdPKI, type EtcdPKI } from "./etcd-pki";
import { startHaproxy } from "./haproxy";
import { initialCluster, mastersPlan, type Master } from "./topology";
import type { HaLabState } from "../state";

const run = promisify(execFile);
const SCRIPTS = resolve(import.meta.dirname, "../../../scripts");


/**
 * What every master runs with besides the lab's flags: short leader election (a dead leader's
 * loops move in ~7 s, not Kubernetes' 15-20 s) and identity leases that expire in 30 s, so
 * `kubectl get leases -n kube-system` shows the servers that live.
 */
export const HA_SERVER_FLAGS = [
  "--leader-elect-lease-duration", "6s", "--leader-elect-renew-deadline", "4s", "--leader-elect-retry-period", "1s",
  "--identity-lease-duration-seconds", "30", "--identity-lease-renew-interval-seconds", "5",
];

/** The lab's server flags, then this master's (commander keeps the last of a repeated flag). */
export function masterServerArgs(base: string[], m: Master, o: { dir: string; kubeconfig: string; first: boolean; apiUrl: string; endpoints: string[]; pki: EtcdPKI }): string[] {
  const own = join(o.dir, "masters", m.name);
  return [
    ...base,
    ...HA_SERVER_FLAGS,
    "--data-dir", own,
    "--listen", m.listen,
    "--advertise-address", m.address,
    "--store", "etcd",
    "--etcd-servers", o.endpoints.join(","),
    "--etcd-cafile", o.pki.caFile, "--etcd-certfile", o.pki.clientCert, "--etcd-keyfile", o.pki.clientKey,
    // Every kubeconfig names HAProxy; master1 writes the lab's, the others their own copy.
    "--kubeconfig-server", o.apiUrl,
    "--write-kubeconfig", o.first ? o.kubeconfig : join(own, "kubeconfig"),
  ];
}

async function ensureTool(script: string, what: string): Promise<void> {
  try {
    await run("bash", [join(SCRIPTS, script)], { timeout: 600_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`no ${what}: ${(err.stderr || err.message).trim()}\nFix: as root, bash scripts/${script}, then run the lab again.`);
  }
}

/** A data dir of another cluster shape (another --masters) cannot rejoin: start that one afresh. */
function etcdDataFor(dir: string, masters: Master[]): void {
  const etcdDir = join(dir, "etcd");
  const stamp = join(etcdDir, "cluster");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") !== initialCluster(masters)) rmSync(etcdDir, { recursive: true, force: true });
  mkdirSync(etcdDir, { recursive: true, mode: 0o700 });
  writeFileSync(stamp, initialCluster(masters), { mode: 0o600 });
}

export async function startHaControlPlane(o: {
  dir: string;
  logs: string;
  count: number;
  port: number;
  /** master1's address (default 127.0.10.1; tests pick their own). */
  firstAddress?: string;
  apiUrl: string;
  kubeconfig: string;
  /** The servers' serving certificate (to check each server's /readyz). */
  caFile: string;
  /** `node <bundle> server <the lab's flags>`. */
  command: string;
  baseArgs: string[];
  log: (l: string) => void;
}): Promise<HaLabState> {
  const masters = mastersPlan({ count: o.count, apiPort: o.port, firstAddress: o.firstAddress, tls: true });
  o.log(`      etcd (${o.count} members) and HAProxy: Debian's packages (scripts/ensure-etcd.sh, ensure-haproxy.sh)`);
  await ensureTool("ensure-etcd.sh", "etcd");
  await ensureTool("ensure-haproxy.sh", "HAProxy");
  const pki = ensureEtcdPKI(o.dir, masters.map((m) => m.address));
  etcdDataFor(o.dir, masters);
  const cluster = await startEtcdCluster({ dir: o.dir, logs: o.logs, masters, pki, token: `kubelab-lab-${o.count}` });
  const etcd = masters.map((m, i) => ({ ...cluster.members[i]!, member: m.etcdName, clientUrl: m.clientUrl }));
  const startServer = (m: Master, i: number) => {
    privateDataDir(join(o.dir, "masters", m.name));
    const args = masterServerArgs(o.baseArgs, m, { dir: o.dir, kubeconfig: o.kubeconfig, first: i === 0, apiUrl: o.apiUrl, endpoints: cluster.endpoints, pki });
    const p = startDetached(m.name, o.command, args, join(o.logs, `${m.name}.log`), process.env, 0o077);
    return { ...p, master: m.name, address: m.address, listen: m.listen };
  };
  // Every server at once: the bootstrap each does at start (namespaces, RBAC roles, the
  // kubernetes Service) retries the writes it loses to another (controlplane/apiserver/bootstrap).
  const servers = masters.map((m, i) => startServer(m, i));
  try {
    await Promise.all(servers.map((p) => waitServerReady(p, o.caFile, o.logs)));
  } catch (e) {
    // Nothing of a failed start stays behind (the lab records this state only once it returns).
    await Promise.all(servers.map((p) => stopProcess(p.pid)));
    await cluster.stop();
    throw e;
  }
  const statsSocket = join(o.dir, "haproxy.sock");
  const listen = `127.0.0.1:${o.port}`;
  const haproxy = { ...startHaproxy(o.dir, o.logs, { listen, statsSocket, servers: masters.map((m) => ({ name: m.name, address: m.listen })) }), listen, statsSocket };
  return { masters: servers, etcd, haproxy, etcdPKI: pki };
}

async function waitServerReady(p: LabProcess & { listen: string }, caFile: string, logs: string): Promise<void> {
  // Generous: every server starts at once on a machine that may be busy.
  const deadline = Date.now() + 120_000;
  while (!(await labReady({ dir: logs, apiUrl: `https://${p.listen}`, caFile }))) {
    if (!isAlive(p.pid)) throw new Error(`${p.name} exited; see ${p.log}`);
    if (Date.now() > deadline) throw new Error(`${p.name} was not ready within 120 s; see ${p.log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Servers first (they would write to an etcd going away), then etcd, then the load balancer. */
export async function stopHaControlPlane(ha: HaLabState): Promise<void> {
  await Promise.all(ha.masters.map((m) => stopProcess(m.pid)));
  await Promise.all(ha.etcd.map((e) => stopProcess(e.pid, 5000)));
  await stopProcess(ha.haproxy.pid, 5000);
}
