// `npm run bench -- network`: the cluster DNS server (agent/dns) in a process of its own on
// loopback, serving a zone of 1,000 Services (900 with a ClusterIP, 100 headless) and 10,000
// endpoints, asked by a bounded client of our own: UDP sockets, a fixed number of queries in
// flight, a fixed query count and a time bound. Measures queries/s and the latency percentiles,
// and the time to rebuild the zone after a change (in this process).
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import * as dnsPacket from "dns-packet";
import { fromCoreEndpoints } from "../../agent/dns/endpoints";
import { buildZone } from "../../agent/dns/records";
import { endpoints, service } from "../../agent/dns/testing";
import { REPO_ROOT } from "../fixtures/server";
import { percentile, rssMb, type BenchRow } from "./table";

const QUERIES = Number(process.env.BENCH_DNS_QUERIES ?? 200_000);
const IN_FLIGHT = Number(process.env.BENCH_DNS_IN_FLIGHT ?? 16);
const SOCKETS = 4;
const TIME_BOUND_MS = 60_000;
const SERVICES = 1000;
const HEADLESS = 100;

/** The zone's inputs, built the same way here and in the server process (code below). */
function objects() {
  const services = [];
  const eps = [];
  for (let i = 0; i < SERVICES; i++) {
    const headless = i < HEADLESS;
    services.push(service("bench", `svc-${i}`, { clusterIP: headless ? "None" : `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: "http", port: 80 }] }));
    const addrs = Array.from({ length: 10 }, (_, k) => ({ ip: `10.${100 + Math.floor(i / 250)}.${i % 250}.${k + 1}` }));
    eps.push(endpoints("bench", `svc-${i}`, addrs, [], [{ name: "http", port: 8080 }]));
  }
  return { services, eps };
}

const serverCode = `
  import { startClusterDns } from "./agent/dns";
  import { MemoryWatched, endpoints, service } from "./agent/dns/testing";
  const services = [], eps = [];
  for (let i = 0; i < ${SERVICES}; i++) {
    const headless = i < ${HEADLESS};
    services.push(service("bench", "svc-" + i, { clusterIP: headless ? "None" : "10.96." + Math.floor(i / 250) + "." + ((i % 250) + 1), ports: [{ name: "http", port: 80 }] }));
    const addrs = Array.from({ length: 10 }, (_, k) => ({ ip: "10." + (100 + Math.floor(i / 250)) + "." + (i % 250) + "." + (k + 1) }));
    eps.push(endpoints("bench", "svc-" + i, addrs, [], [{ name: "http", port: 8080 }]));
  }
  const dns = await startClusterDns({ services: new MemoryWatched(services), endpoints: new MemoryWatched(eps), listen: [{ address: "127.0.0.1", port: 0 }], upstream: [] });
  process.on("SIGTERM", () => dns.close().then(() => process.exit(0)));
  console.log("dns ready " + dns.addresses()[0].port);
`;

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", serverCode], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`dns server did not start in 30 s:\n${out}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/dns ready (\d+)/);
      if (m) (clearTimeout(t), resolve({ child, port: Number(m[1]) }));
    });
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (c) => reject(new Error(`dns server exited with ${c}:\n${out}`)));
  });
}

/**
 * The query mix: ClusterIP A (70 %), headless A (10 %), SRV (10 %), NXDOMAIN (10 %). `distinct`
 * gives every query its own letter case (as resolvers using 0x20 randomization send them), so no
 * two are the same bytes and the server's answer cache never hits: the full decode-lookup-encode path.
 */
function queries(count: number, distinct: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const n = (i * 7919) % SERVICES;
    const [name, type] =
      i % 10 < 7 ? [`svc-${Math.max(HEADLESS, n)}.bench.svc.cluster.local`, "A"] : i % 10 === 7 ? [`svc-${n % HEADLESS}.bench.svc.cluster.local`, "A"] : i % 10 === 8 ? [`_http._tcp.svc-${n}.bench.svc.cluster.local`, "SRV"] : [`nope-${n}.bench.svc.cluster.local`, "A"];
    const cased = distinct ? [...name].map((c, k) => ((Math.floor(i / 10) >> (k % 24)) & 1 ? c.toUpperCase() : c)).join("") : name;
    out.push(dnsPacket.encode({ id: 0, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: cased, type: type as dnsPacket.RecordType }] }));
  }
  return out;
}

interface LoadResult {
  answered: number;
  lost: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** IN_FLIGHT queries outstanding over SOCKETS sockets until QUERIES were sent (or the time bound). */
async function load(port: number, mix: Buffer[]): Promise<LoadResult> {
  const latencies: number[] = [];
  let sent = 0;
  let lost = 0;
  let errors = 0;
  const started = performance.now();
  const perSocket = Math.max(1, Math.floor(IN_FLIGHT / SOCKETS));
  await Promise.all(
    Array.from({ length: SOCKETS }, (_, s) =>
      new Promise<void>((done) => {
        const sock: Socket = createSocket("udp4");
        const pending = new Map<number, { at: number; timer: NodeJS.Timeout }>();
        let nextId = s * 16384;
        const finish = () => pending.size === 0 && (sock.close(), done());
        const send = () => {
          if (sent >= QUERIES || performance.now() - started > TIME_BOUND_MS) return finish();
          const q = Buffer.from(mix[sent++ % mix.length]!);
          const id = (nextId = s * 16384 + ((nextId + 1) % 16384));
          q.writeUInt16BE(id, 0);
          const timer = setTimeout(() => (pending.delete(id), lost++, send()), 1000);
          pending.set(id, { at: performance.now(), timer });
          sock.send(q, port, "127.0.0.1");
        };
        sock.on("message", (m) => {
          const p = pending.get(m.readUInt16BE(0));
          if (!p) return;
          clearTimeout(p.timer);
          pending.delete(m.readUInt16BE(0));
          latencies.push(performance.now() - p.at);
          const rcode = m[3]! & 0xf;
          if (rcode !== 0 && rcode !== 3) errors++;
          send();
        });
        sock.bind(0, "127.0.0.1", () => {
          for (let i = 0; i < perSocket; i++) send();
        });
      }),
    ),
  );
  return { answered: latencies.length, lost, errors, seconds: (performance.now() - started) / 1000, latenciesMs: latencies.sort((a, b) => a - b) };
}

function zoneRebuildMs(): number {
  const { services, eps } = objects();
  const endpointSets = eps.map(fromCoreEndpoints);
  buildZone({ services, endpoints: endpointSets }); // warm up
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    buildZone({ services, endpoints: endpointSets });
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[5]!;
}

export async function benchNetwork(): Promise<BenchRow[]> {
  const { benchNetworkProxy } = await import("./network-proxy");
  return [...(await benchDns()), ...(await benchNetworkProxy())];
}

async function benchDns(): Promise<BenchRow[]> {
  const { child, port } = await startServer();
  try {
    const repeated = queries(1000, false);
    await load(port, repeated); // warm-up pass: JIT, the first zone build
    const r = await load(port, repeated);
    const cold = await load(port, queries(QUERIES, true));
    return [
      { metric: `dns queries/s (UDP, ${IN_FLIGHT} in flight, ${r.answered} answered)`, value: r.answered / r.seconds, unit: "q/s", target: ">= 10000" },
      { metric: "dns latency p50", value: percentile(r.latenciesMs, 50), unit: "ms", target: "" },
      { metric: "dns latency p99", value: percentile(r.latenciesMs, 99), unit: "ms", target: "<= 2 ms" },
      { metric: "dns queries/s, every query distinct (no answer cache)", value: cold.answered / cold.seconds, unit: "q/s", target: ">= 10000" },
      { metric: "dns latency p99, every query distinct", value: percentile(cold.latenciesMs, 99), unit: "ms", target: "<= 2 ms" },
      { metric: "dns queries lost (1 s timeout) / SERVFAIL", value: r.lost + r.errors + cold.lost + cold.errors, unit: "", target: "0" },
      { metric: "dns server RSS (1,000 Services, 10,000 endpoints)", value: rssMb(child.pid!), unit: "MB", target: "" },
      { metric: "dns zone rebuild (1,000 Services, 10,000 endpoints), median", value: zoneRebuildMs(), unit: "ms", target: "" },
    ];
  } finally {
    child.kill("SIGTERM");
  }
}
