// The agent's kube-proxy and NetworkPolicy enforcer: watches what the rules depend on and keeps
// the node's table equal to renderRuleset(what is watched). Contract:
// - nothing is written before every source has synced (a restarting agent must not replace
//   good rules with rules rendered from an empty cache);
// - changes are coalesced: one sync at a time; changes during a sync cause exactly one more;
// - a failed sync is retried with back-off (1 s doubling to 30 s) and logged; the next sync then
//   replaces the table whole;
// - before its first write it deletes other nodes' tables on the same pod CIDR (left by nodes
//   that are gone: they would catch this node's pods' traffic);
// - stop() leaves the table in place (pods keep their Services while the agent restarts, as with
//   kube-proxy); teardown is a separate, explicit step (teardownNodeTables).
import type { Logger } from "pino";
import type { Namespace, Pod, Service } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import type { NetworkPolicy } from "../../api/networking";
import type { EventHandlers } from "../../client/informer";
import type { NodeFacts } from "./model";
import type { Nft } from "./nft";
import { deleteStaleTables, TableWriter } from "./nft";
import { tableName } from "./model";
import { compilePolicies } from "./policy";
import { renderRuleset } from "./ruleset";
import { ServiceRenderCache } from "./services";

/** What an informer offers; a test may stand in with a memory list. */
export interface Watched<T> {
  list(): T[];
  addEventHandler(handlers: EventHandlers<T>): () => void;
  hasSynced(): boolean;
}

export interface ProxierSources {
  services: Watched<Service>;
  slices: Watched<EndpointSlice>;
  /** For NetworkPolicy (all pods: peers are cluster-wide); without these three no policy is enforced. */
  pods?: Watched<Pod>;
  namespaces?: Watched<Namespace>;
  policies?: Watched<NetworkPolicy>;
}

export interface SyncStats {
  /** The whole sync: render, diff and nft. */
  ms: number;
  /** Of which rendering the ruleset (the rest is the diff and nft). */
  renderMs: number;
  changed: boolean;
  lines: number;
}

export interface ProxierOptions {
  sources: ProxierSources;
  /** The node's facts; undefined while unknown (no pod CIDR yet): nothing is written. */
  node: () => NodeFacts | undefined;
  nft: Nft;
  log: Logger;
  onSync?: (stats: SyncStats) => void;
  /** A sync failed (it is retried). */
  onError?: (err: Error) => void;
}

const MAX_BACKOFF_MS = 30_000;

export class Proxier {
  private readonly writer: TableWriter;
  private readonly cache = new ServiceRenderCache();
  private readonly unsubscribe: Array<() => void> = [];
  private running?: Promise<void>;
  private dirty = false;
  private stopped = false;
  private backoffMs = 0;
  private retry?: NodeJS.Timeout;
  private cleaned = false;

  constructor(private readonly opts: ProxierOptions) {
    this.writer = new TableWriter(opts.nft);
    const touch = () => this.changed();
    const all = { onAdd: touch, onUpdate: touch, onDelete: touch };
    const s = opts.sources;
    for (const w of [s.services, s.slices, s.pods, s.namespaces, s.policies]) if (w) this.unsubscribe.push((w as Watched<unknown>).addEventHandler(all));
  }

  /** Something changed (or the node's facts did): sync soon. */
  changed(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running && !this.retry) this.running = this.loop();
  }

  /** Resolves when no sync is pending or running (tests, the bench). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const u of this.unsubscribe) u();
  }

  private synced(): boolean {
    const s = this.opts.sources;
    return [s.services, s.slices, s.pods, s.namespaces, s.policies].every((w) => !w || w.hasSynced());
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        await this.syncOnce();
      }
    } finally {
      this.running = undefined;
    }
  }

  private async syncOnce(): Promise<void> {
    const started = performance.now();
    try {
      const node = this.opts.node();
      if (!node || !this.synced()) return; // a later change (the last source's sync, the node's CIDR) calls again
      if (!this.cleaned) {
        const stale = await deleteStaleTables(this.opts.nft, tableName(node.nodeName), node.podCIDR);
        if (stale.length) this.opts.log.info({ tables: stale, podCIDR: node.podCIDR }, "deleted tables of gone nodes on this pod CIDR");
        this.cleaned = true;
      }
      const s = this.opts.sources;
      const policy = s.pods && s.namespaces && s.policies ? compilePolicies({ node, pods: s.pods.list(), namespaces: s.namespaces.list(), policies: s.policies.list() }) : undefined;
      const ruleset = renderRuleset({ services: s.services.list(), slices: s.slices.list(), node, policy, cache: this.cache });
      const renderMs = performance.now() - started;
      const result = await this.writer.apply(ruleset);
      this.backoffMs = 0;
      const stats = { ms: performance.now() - started, renderMs, ...result };
      if (result.changed) this.opts.log.debug({ ms: Math.round(stats.ms), lines: result.lines }, "netfilter rules written");
      this.opts.onSync?.(stats);
    } catch (err) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : 1000);
      this.opts.log.warn({ err: (err as Error).message, retryInMs: this.backoffMs }, "cannot write netfilter rules; retrying");
      this.opts.onError?.(err as Error);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.changed();
      }, this.backoffMs);
      this.retry.unref?.();
    }
  }
}
