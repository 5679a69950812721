// `npm run bench -- ha`: three masters on a three-member etcd cluster behind HAProxy (the lab's
// code, test/ha-fixture.ts). Failover: the controller manager's leader SIGKILLed, until another
// server holds its Lease (p50 of 5 kills; the killed server is started again between rounds).
// Create throughput (16 at a time, 5 s) through HAProxy to 3 servers on 3-member etcd, next to
// 1 server on SQLite and 1 on a single etcd (plain HTTP, no token: those two are the test
// servers); HAProxy's overhead: p50 of GETs through it vs straight to the masters, interleaved
// over kept-alive connections (haproxyOverhead).
import { Agent, fetch as undiciFetch } from "undici";
import { readFileSync } from "node:fs";
import { startDetached } from "../../infra/local/processes";
import { haStatus } from "../../infra/local/ha/status";
import { startHaLab, type HaLab } from "../ha-fixture";
import { startTestServer } from "../fixtures/server";
import { startServersOnEtcd } from "../fixtures/servers-on-etcd";
import { percentile, type BenchRow } from "./table";

type Send = (path: string, init?: { method?: string; body?: string }) => Promise<number>;

function sender(base: string, opts: { ca?: Buffer; token?: string; connections?: number } = {}): { send: Send; close: () => Promise<void> } {
  const dispatcher = new Agent({ connections: opts.connections ?? 32, connect: opts.ca ? { ca: opts.ca } : {} });
  const send: Send = async (path, init = {}) => {
    const r = await undiciFetch(`${base}${path}`, {
      ...init, dispatcher,
      headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(init.body ? { "Content-Type": "application/json" } : {}) },
    });
    await r.arrayBuffer();
    return r.status;
  };
  return { send, close: () => dispatcher.close() };
}

/** ConfigMap creates per second, `concurrency` at a time, for durationMs. */
async function createRate(send: Send, prefix: string, concurrency = 16, durationMs = 5000): Promise<number> {
  let n = 0;
  let ok = 0;
  const end = Date.now() + durationMs;
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${prefix}-${n++}` }, data: { k: "v" } });
      if ((await send("/api/v1/namespaces/default/configmaps", { method: "POST", body })) === 201) ok++;
    }
  }));
  return ok / ((Date.now() - started) / 1000);
}

/** utime + stime of a process so far, in ms (/proc/<pid>/stat; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * HAProxy's cost on a GET, measured fairly: the same client and the same kind of connection on
 * both paths (one kept-alive TLS connection each, no new handshake per request); three through
 * HAProxy, whose round robin spreads them over the three masters, against one straight to each
 * master; and request by request interleaved (which path goes first alternating), so a change of
 * load on this shared machine hits both alike. Returns both latency lists and HAProxy's CPU time.
 */
async function haproxyOverhead(lab: HaLab, ca: Buffer, token: string, rounds = 300) {
  const path = "/api/v1/namespaces/default/configmaps?limit=1";
  const one = (base: string) => sender(base, { ca, token, connections: 1 });
  const lb = [one(lab.url), one(lab.url), one(lab.url)];
  const direct = lab.ha.masters.map((_, i) => one(lab.masterUrl(i)));
  // Open HAProxy's three connections one after another, so round robin gives each its own master.
  for (const s of lb) await s.send(path);
  for (const s of direct) await s.send(path);
  const times = { lb: [] as number[], direct: [] as number[] };
  const timed = async (s: { send: Send }, into: number[]) => {
    const t = process.hrtime.bigint();
    if ((await s.send(path)) !== 200) throw new Error("a GET failed");
    into.push(Number(process.hrtime.bigint() - t) / 1e6);
  };
  const haproxyCpu = cpuMs(lab.ha.haproxy.pid);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 3; k++) {
      const pair: Array<[{ send: Send }, number[]]> = [[lb[k]!, times.lb], [direct[k]!, times.direct]];
      if ((r + k) % 2) pair.reverse();
      for (const [s, into] of pair) await timed(s, into);
    }
  }
  const haproxyCpuMs = cpuMs(lab.ha.haproxy.pid) - haproxyCpu;
  await Promise.all([...lb, ...direct].map((s) => s.close()));
  return { lb: times.lb.sort((a, b) => a - b), direct: times.direct.sort((a, b) => a - b), haproxyCpuMs };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function failovers(lab: HaLab, rounds = 5): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = await haStatus(lab.state);
    const i = before.masters.findIndex((m) => m.leads.includes("kube-controller-manager"));
    if (i < 0) throw new Error("no master leads kube-controller-manager");
    const killed = lab.ha.masters[i]!;
    process.kill(killed.pid, "SIGKILL");
    const t = Date.now();
    await until(async () => (await haStatus(lab.state)).masters.some((m, j) => j !== i && m.leads.includes("kube-controller-manager")), 40_000, "a new controller manager leader");
    times.push((Date.now() - t) / 1000);
    // Back as a candidate for the next round, from the same flags and log.
    lab.ha.masters[i] = { ...killed, pid: startDetached(killed.name, process.execPath, killed.args, killed.log).pid };
    await until(async () => (await lab.request(`${lab.masterUrl(i)}/readyz`)).status === 200, 60_000, `${killed.name} ready again`);
  }
  return times;
}

export async function benchHa(): Promise<BenchRow[]> {
  const lab = await startHaLab(3);
  const rows: BenchRow[] = [];
  try {
    const ca = readFileSync(lab.state.caFile!);
    const token = readFileSync(lab.state.tokenFile!, "utf8").split(",")[0]!;
    const viaLb = sender(lab.url, { ca, token });
    const ha = await createRate(viaLb.send, "ha");
    await viaLb.close();
    const overhead = await haproxyOverhead(lab, ca, token);
    const [lbP50, directP50] = [percentile(overhead.lb, 50), percentile(overhead.direct, 50)];
    const kills = (await failovers(lab)).sort((a, b) => a - b);
    rows.push(
      { metric: "failover: leader SIGKILLed to new controller-manager leader, p50 of 5", value: percentile(kills, 50), unit: "s", target: "<= 10 s (Kubernetes' defaults: 15-20 s)" },
      { metric: "failover, max of 5", value: kills.at(-1)!, unit: "s", target: "-" },
      { metric: "creates/s, 3 servers on 3-member etcd via HAProxy (TLS, token)", value: Math.round(ha), unit: "/s", target: "reported" },
      { metric: `GET p50 via HAProxy (kept-alive TLS, ${overhead.lb.length} interleaved with the next row)`, value: lbP50, unit: "ms", target: "-" },
      { metric: `GET p50 straight to the masters (the same, ${overhead.direct.length})`, value: directP50, unit: "ms", target: "-" },
      { metric: "HAProxy latency overhead p50", value: Math.round(((lbP50 - directP50) / directP50) * 1000) / 10, unit: "%", target: "<= 10 %" },
      { metric: "HAProxy CPU time during the GETs (its /readyz checks included), per GET", value: Math.round((overhead.haproxyCpuMs / overhead.lb.length) * 1000) / 1000, unit: "ms", target: "reported" },
    );
  } finally {
    await lab.stop();
  }
  const sqlite = await startTestServer({ args: ["--disable-controllers", "all"] });
  try {
    const s = sender(sqlite.url);
    rows.push({ metric: "creates/s, 1 server on SQLite (HTTP, no token)", value: Math.round(await createRate(s.send, "sqlite")), unit: "/s", target: "reported" });
    await s.close();
  } finally {
    await sqlite.stop();
  }
  const one = await startServersOnEtcd(1);
  try {
    const s = sender(one.servers[0]!.url);
    rows.push({ metric: "creates/s, 1 server on single etcd (HTTP, no token)", value: Math.round(await createRate(s.send, "etcd1")), unit: "/s", target: "reported" });
    await s.close();
  } finally {
    await one.stop();
  }
  return rows;
}
