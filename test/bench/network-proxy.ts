// `npm run bench -- network`, the kernel service proxy's rows (agent/netfilter), on real
// netfilter in network namespaces of our own (root needed):
// - endpoint change to rule in place: a Proxier with 1,000 Services and 10,000 endpoints
//   programmed in its node's table; one endpoint turns ready (the EndpointSlice informer's event)
//   and the time until the nft transaction is done (render + diff + nft) is taken, 200 times;
// - requests/s through a ClusterIP and straight to the pod IP, the same wrk client in a pod
//   namespace against the same server pod, in the same run, with that big table in place.
import { pino } from "pino";
import type { Service } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import { NetnsHost } from "../../agent/netfilter/netns-fixture";
import { nftCommand } from "../../agent/netfilter/nft";
import { Proxier, type SyncStats } from "../../agent/netfilter/proxier";
import { MemoryWatched, service, slice, type EndpointArg } from "../../agent/netfilter/testing";
import { percentile, type BenchRow } from "./table";

const SERVICES = 1000;
const PER_SERVICE = 10;
const CHANGES = Number(process.env.BENCH_PROXY_CHANGES ?? 200);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const NODE = { nodeName: "bench-w1", address: "127.0.0.2", podCIDR: "10.244.1.0/24", gateway: "10.244.1.1" };
const http = [{ name: "http", port: 8080 }];

function endpointsOf(i: number, readyUpTo: number): EndpointArg[] {
  return Array.from({ length: PER_SERVICE }, (_, k) => ({ ip: `10.${100 + Math.floor(i / 250)}.${i % 250}.${k + 1}`, node: k % 2 ? "bench-w1" : "bench-w2", ready: k < readyUpTo }));
}

async function wrk(lab: NetnsHost, ns: string, url: string): Promise<number> {
  const out = await lab.exec(ns, ["wrk", "-t1", "-c16", `-d${WRK_SECONDS}s`, url]);
  const m = out.match(/Requests\/sec:\s+([\d.]+)/);
  if (!m) throw new Error(`wrk printed no Requests/sec:\n${out}`);
  return Number(m[1]);
}

export async function benchNetworkProxy(): Promise<BenchRow[]> {
  const lab = new NetnsHost(`nbb${process.pid % 10000}`);
  const services = new MemoryWatched<Service>();
  const slices = new MemoryWatched<EndpointSlice>();
  const syncs: SyncStats[] = [];
  let proxier: Proxier | undefined;
  try {
    await lab.start();
    await lab.addBridge("br1", "10.244.1.1/24");
    await lab.addPod("server", "br1", "10.244.1.2", "10.244.1.1");
    await lab.addPod("client", "br1", "10.244.1.3", "10.244.1.1");
    // The 1,000 Services (9 of 10 endpoints ready), and the one the client asks.
    for (let i = 0; i < SERVICES; i++) {
      services.set(service("bench", `svc-${i}`, { clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
      slices.set(slice("bench", `svc-${i}`, endpointsOf(i, PER_SERVICE - 1), http));
    }
    services.set(service("bench", "web", { clusterIP: "10.96.200.1", ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
    slices.set(slice("bench", "web", [{ ip: "10.244.1.2", node: "bench-w1" }], http));
    // Made once everything is listed, so its first sync writes the whole table.
    proxier = new Proxier({ sources: { services, slices }, node: () => NODE, nft: nftCommand(["ip", "netns", "exec", lab.host]), log: pino({ level: "warn" }), onSync: (s) => syncs.push(s) });
    proxier.changed();
    await proxier.idle();
    const firstSyncMs = syncs[syncs.length - 1]!.ms;
    syncs.length = 0;

    const latencies: number[] = [];
    for (let c = 0; c < CHANGES; c++) {
      const i = (c * 7919) % SERVICES;
      const started = performance.now();
      slices.set(slice("bench", `svc-${i}`, endpointsOf(i, c % 2 ? PER_SERVICE - 1 : PER_SERVICE), http));
      await proxier.idle();
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const renderMs = syncs.map((s) => s.renderMs).sort((a, b) => a - b);

    const client = lab.podNs("client");
    await wrk(lab, client, "http://10.244.1.2:8080/"); // warm-up
    const direct = [await wrk(lab, client, "http://10.244.1.2:8080/")];
    const viaService = [await wrk(lab, client, "http://10.96.200.1/")];
    direct.push(await wrk(lab, client, "http://10.244.1.2:8080/"));
    viaService.push(await wrk(lab, client, "http://10.96.200.1/"));
    const best = (xs: number[]) => Math.max(...xs);
    return [
      { metric: `proxy: first full table (${SERVICES} Services, ${SERVICES * PER_SERVICE} endpoints), render + nft`, value: firstSyncMs, unit: "ms", target: "" },
      { metric: `proxy: endpoint turns ready -> rule in place, p50 (${CHANGES} changes, that table)`, value: percentile(latencies, 50), unit: "ms", target: "<= 100 ms" },
      { metric: "proxy: endpoint turns ready -> rule in place, p99", value: percentile(latencies, 99), unit: "ms", target: "<= 1000 ms" },
      { metric: "proxy: of which rendering the ruleset, p50 (the rest: diff and nft)", value: percentile(renderMs, 50), unit: "ms", target: "" },
      { metric: `proxy: requests/s straight to the pod IP (wrk -c16, ${WRK_SECONDS} s, best of 2)`, value: best(direct), unit: "req/s", target: "" },
      { metric: "proxy: requests/s through the ClusterIP (same client, same run)", value: best(viaService), unit: "req/s", target: "" },
      { metric: "proxy: ClusterIP / pod IP", value: (100 * best(viaService)) / best(direct), unit: "%", target: ">= 90 %" },
    ];
  } finally {
    proxier?.stop();
    await lab.destroy();
  }
}
