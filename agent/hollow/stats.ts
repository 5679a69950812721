// Synthetic usage for hollow nodes (kubemark's hollow kubelets have none; benchmarks of
// `kubectl top` and HPAs need numbers): each hollow node answers /stats/summary on a loopback
// port of its own, with the shape of a real agent's. Every pod uses a steady CPU rate and memory
// derived from its uid (10m-200m, 16-128 Mi), split over its containers; counters are cumulative
// from the pod's start, as cAdvisor's are; the node adds 200m and 1 Gi of its own.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Pod } from "../../api/core";

const MI = 1024 * 1024;

function hash(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** A pod's steady usage: nanocores and bytes. */
export function syntheticUsage(uid: string): { nanoCores: number; bytes: number } {
  const h = hash(uid);
  return { nanoCores: (10 + (h % 191)) * 1e6, bytes: (16 + ((h >>> 8) % 113)) * MI };
}

const entry = (iso: string, nanoCores: number, sinceMs: number, nowMs: number, bytes: number) => ({
  cpu: { time: iso, usageNanoCores: nanoCores, usageCoreNanoSeconds: Math.round((nanoCores * Math.max(0, nowMs - sinceMs)) / 1000) },
  memory: { time: iso, usageBytes: bytes, workingSetBytes: bytes },
});

export function syntheticSummary(nodeName: string, nodeStartMs: number, pods: Pod[], nowMs: number) {
  const iso = new Date(nowMs).toISOString();
  let nodeCpu = 200e6;
  let nodeMem = 1024 * MI;
  const out = pods.map((pod) => {
    const { nanoCores, bytes } = syntheticUsage(pod.metadata.uid ?? pod.metadata.name ?? "");
    nodeCpu += nanoCores;
    nodeMem += bytes;
    const since = Date.parse(pod.status?.startTime ?? "") || nodeStartMs;
    const n = Math.max(1, pod.spec.containers.length);
    return {
      podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      startTime: pod.status?.startTime,
      containers: pod.spec.containers.map((c) => ({ name: c.name, ...entry(iso, nanoCores / n, since, nowMs, bytes / n) })),
      ...entry(iso, nanoCores, since, nowMs, bytes),
    };
  });
  const node = { nodeName, startTime: new Date(nodeStartMs).toISOString(), ...entry(iso, nodeCpu, nodeStartMs, nowMs, nodeMem) };
  return { node: { ...node, memory: { ...node.memory, availableBytes: 0 } }, pods: out };
}

export interface HollowStatsServer {
  port: number;
  close(): Promise<void>;
}

/** One node's /stats/summary on 127.0.0.1 (port 0: a free one); pods() is the node's running pods. */
export async function serveHollowStats(nodeName: string, pods: () => Pod[]): Promise<HollowStatsServer> {
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    if (req.url?.split("?")[0] !== "/stats/summary") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
      return;
    }
    const body = JSON.stringify(syntheticSummary(nodeName, started, pods(), Date.now()));
    res.writeHead(200, { "Content-Type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
