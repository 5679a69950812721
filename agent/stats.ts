// Our cAdvisor: CPU and memory per container, pod and node, sampled from Docker (one-shot stats,
// a few at a time) every statsPeriod and served from the cache as the kubelet's /stats/summary.
// Sampling runs while someone reads the summary (and stops after five quiet periods), so an idle
// node with 100 pods does not make 100 stats calls every period for nobody. A read finding the
// cache older than a second samples first, so the control plane's scraper (which computes CPU
// usage between the cumulative counters of two reads) gets a window of its own period. Every
// `time` is when its numbers were read.
import { readFile } from "node:fs/promises";
import { freemem, totalmem } from "node:os";
import { mapLimit } from "../client/limiter";
import type { Kubelet } from "./kubelet";
import { latestByName } from "./status";

interface CpuSample {
  time: number; // ms
  usageNs: number;
}

interface ContainerStats {
  name: string;
  startTime?: string;
  cpu: { time: string; usageNanoCores: number; usageCoreNanoSeconds: number };
  memory: { time: string; usageBytes: number; workingSetBytes: number; rssBytes: number };
}

export interface StatsSummary {
  node: {
    nodeName: string;
    startTime: string;
    cpu: { time: string; usageNanoCores: number; usageCoreNanoSeconds: number };
    memory: { time: string; availableBytes: number; usageBytes: number; workingSetBytes: number };
  };
  pods: Array<{
    podRef: { name: string; namespace: string; uid: string };
    startTime?: string;
    containers: ContainerStats[];
    cpu: { time: string; usageNanoCores: number; usageCoreNanoSeconds: number };
    memory: { time: string; usageBytes: number; workingSetBytes: number };
  }>;
}

const CONCURRENCY = 4;
/** A summary read finding samples older than this samples first. */
const FRESH_MS = 1_000;

async function nodeCpuNs(): Promise<number> {
  const text = await readFile("/proc/stat", "utf8");
  const fields = text.split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system irq softirq steal (not idle, iowait), in USER_HZ (100/s)
  const busy = (fields[0] ?? 0) + (fields[1] ?? 0) + (fields[2] ?? 0) + (fields[5] ?? 0) + (fields[6] ?? 0) + (fields[7] ?? 0);
  return busy * 1e7;
}

/** The newest sample time of a pod's containers (a pod's numbers are as new as its newest). */
function latest(containers: ContainerStats[], fallback: string): string {
  return containers.reduce((t, c) => (c.cpu.time > t ? c.cpu.time : t), containers.length ? "" : fallback);
}

export class StatsProvider {
  private readonly started = new Date().toISOString();
  private readonly cpu = new Map<string, { prev?: CpuSample; last: CpuSample }>();
  private readonly containers = new Map<string, ContainerStats>();
  private nodeCpu?: { prev?: CpuSample; last: CpuSample };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastCollectMs = 0;

  constructor(
    private readonly kubelet: Kubelet,
    private readonly periodMs: number,
  ) {}

  /** When /stats/summary was last asked for: sampling runs only while someone is reading. */
  private lastAskedMs = 0;

  start(): void {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastAskedMs < 5 * this.periodMs) void this.collect();
    }, this.periodMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private rate(entry: { prev?: CpuSample; last: CpuSample } | undefined): number {
    if (!entry?.prev || entry.last.time <= entry.prev.time) return 0;
    return Math.max(0, Math.round(((entry.last.usageNs - entry.prev.usageNs) / (entry.last.time - entry.prev.time)) * 1e6 / 1e6));
  }

  /** One sampling round; a call while one runs waits for that one. */
  collect(): Promise<void> {
    this.running ??= this.sample().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sample(): Promise<void> {
    const now = Date.now();
    this.lastCollectMs = now;
    const node = await nodeCpuNs().catch(() => 0);
    this.nodeCpu = { prev: this.nodeCpu?.last, last: { time: now, usageNs: node } };
    const running = this.kubelet.allRuntimeContainers().filter((c) => !c.isSandbox && c.state === "running");
    const alive = new Set(running.map((c) => c.id));
    for (const id of this.containers.keys()) if (!alive.has(id)) this.containers.delete(id);
    for (const id of this.cpu.keys()) if (!alive.has(id)) this.cpu.delete(id);
    await mapLimit(running, CONCURRENCY, async (c) => {
      const stats = await this.kubelet.runtime.stats(c.id, true);
      if (!stats) return;
      const time = Date.parse(stats.read) || Date.now();
      const usageNs = stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
      const entry = this.cpu.get(c.id);
      const cpuEntry = { prev: entry?.last, last: { time, usageNs: usageNs } };
      this.cpu.set(c.id, cpuEntry);
      const mem = stats.memory_stats ?? { usage: 0, stats: {} };
      const memStats = (mem.stats ?? {}) as Record<string, number>;
      const inactive = memStats.total_inactive_file ?? memStats.inactive_file ?? 0;
      const usage = mem.usage ?? 0;
      const iso = new Date(time).toISOString();
      this.containers.set(c.id, {
        name: c.container,
        startTime: c.startedAt,
        cpu: { time: iso, usageNanoCores: this.rate(cpuEntry), usageCoreNanoSeconds: usageNs },
        memory: { time: iso, usageBytes: usage, workingSetBytes: Math.max(0, usage - inactive), rssBytes: memStats.total_rss ?? memStats.rss ?? 0 },
      });
    });
  }

  /** The summary from the cache, sampled first when the cache is older than FRESH_MS. */
  async summary(): Promise<StatsSummary> {
    this.lastAskedMs = Date.now();
    if (Date.now() - this.lastCollectMs >= FRESH_MS) await this.collect();
    const iso = new Date().toISOString();
    const nodeCpuNs = this.nodeCpu?.last.usageNs ?? 0;
    const total = totalmem();
    const free = freemem();
    const pods: StatsSummary["pods"] = [];
    for (const pod of this.kubelet.pods()) {
      const containers: ContainerStats[] = [];
      for (const spec of pod.spec.containers) {
        const latest = latestByName(this.kubelet.runtimeContainers(pod.metadata.uid), spec.name)[0];
        const stats = latest ? this.containers.get(latest.id) : undefined;
        if (stats) containers.push(stats);
      }
      const sum = (f: (c: ContainerStats) => number): number => containers.reduce((acc, c) => acc + f(c), 0);
      pods.push({
        podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
        startTime: pod.status?.startTime,
        containers,
        cpu: { time: latest(containers, iso), usageNanoCores: sum((c) => c.cpu.usageNanoCores), usageCoreNanoSeconds: sum((c) => c.cpu.usageCoreNanoSeconds) },
        memory: { time: latest(containers, iso), usageBytes: sum((c) => c.memory.usageBytes), workingSetBytes: sum((c) => c.memory.workingSetBytes) },
      });
    }
    return {
      node: {
        nodeName: this.kubelet.cfg.nodeName,
        startTime: this.started,
        cpu: { time: this.nodeCpu ? new Date(this.nodeCpu.last.time).toISOString() : iso, usageNanoCores: this.rate(this.nodeCpu), usageCoreNanoSeconds: nodeCpuNs },
        memory: { time: iso, availableBytes: free, usageBytes: total - free, workingSetBytes: total - free },
      },
      pods,
    };
  }
}
