// The scrape loop (metrics-server's scraper): every --metric-resolution (15 s by default) it asks
// each Ready node's agent for /stats/summary, a few nodes at a time, each with a deadline shorter
// than the period, and hands what came back to the store. A node that does not answer keeps
// its last points until it is no longer Ready; one bad agent never stops the others' scrape.
// Each scrape has a connection of its own, closed with the reply: a node is asked once a period,
// so keeping a pool per node (fetch's global Agent never drops one) would hold a pool and an idle
// socket for every node in the cluster between scrapes.
import type { Logger } from "pino";
import { Client } from "undici";
import type { Node } from "../../../api/core";
import type { MetricsStore } from "./store";
import { batchFromSummary } from "./summary";

export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

export interface ScraperOptions {
  store: MetricsStore;
  /** The nodes as the API server has them. */
  listNodes(): Promise<Node[]>;
  resolutionMs?: number;
  /** Headers that authenticate the scrape to the agent (its main port may require them). */
  agentHeaders?(): Record<string, string>;
  /** Scrapes in flight at once (default 16). */
  concurrency?: number;
  logger: Logger;
}

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The agent's address: InternalIP first, then any address; its main port from daemonEndpoints. */
export function summaryUrl(node: Node): string | undefined {
  const addrs = node.status?.addresses ?? [];
  const address = addrs.find((a) => a.type === "InternalIP")?.address ?? addrs[0]?.address;
  if (!address) return undefined;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  return `http://${address.includes(":") ? `[${address}]` : address}:${port}/stats/summary`;
}

export class Scraper {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly resolutionMs: number;

  constructor(private readonly opts: ScraperOptions) {
    this.resolutionMs = opts.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
  }

  start(): void {
    const loop = async () => {
      const started = Date.now();
      await this.scrapeOnce().catch((err: unknown) => this.opts.logger.warn({ err }, "metrics scrape failed"));
      if (this.stopped) return;
      this.timer = setTimeout(() => void loop(), Math.max(0, this.resolutionMs - (Date.now() - started)));
      this.timer.unref?.();
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One round over every Ready node. */
  async scrapeOnce(): Promise<void> {
    const ready = (await this.opts.listNodes()).filter(isNodeReady);
    this.opts.store.retainNodes(new Map(ready.map((n) => [n.metadata.name ?? "", n.metadata.labels ?? {}])));
    const timeoutMs = Math.min(10_000, Math.max(1_000, this.resolutionMs * 0.9));
    // A few workers take the nodes in turn (the API server does not use client/'s limiter).
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let node = ready[next++]; node; node = ready[next++]) {
        await this.scrapeNode(node, timeoutMs).catch((err: unknown) => {
          this.opts.logger.debug({ node: node!.metadata.name, err: (err as Error).message }, "scraping node failed");
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(ready.length, this.opts.concurrency ?? 16) }, worker));
  }

  private async scrapeNode(node: Node, timeoutMs: number): Promise<void> {
    const url = summaryUrl(node);
    if (!url) throw new Error("node has no address");
    const { origin, pathname } = new URL(url);
    const client = new Client(origin, { pipelining: 0 });
    try {
      const res = await client.request({ method: "GET", path: pathname, headers: this.opts.agentHeaders?.() ?? {}, signal: AbortSignal.timeout(timeoutMs) });
      // An unread body is dropped with the connection in finally.
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`GET ${url}: ${res.statusCode}`);
      this.opts.store.store(batchFromSummary(node.metadata.name ?? "", await res.body.json()));
    } finally {
      void client.destroy().catch(() => {});
    }
  }
}
