// Sends spec.notify's notifications: a JSON POST to the address in the Secret the repository
// names, signed with HMAC-SHA256 of the body under the Secret's `token` (header
// `X-Signature: sha256=<hex>`, as Flux's generic-hmac provider signs). Fire and forget: git-sync
// never waits for a receiver. A failed POST (network, timeout, 5xx, 408, 429) is retried with
// exponential backoff; other 4xx are final. At most MAX_PENDING are in flight or waiting; beyond
// that the oldest is dropped (and counted), so a receiver that is down costs bounded memory.
import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { Secret } from "../../../api/core";
import type { GitRepository } from "../../../api/gitops";
import { secrets, type ApiClient } from "../../../client";
import { buildNotification, encodeBody, type CommitInfo } from "./payload";
import type { NotificationEvent, Transition } from "./transitions";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export interface NotifierOptions {
  client: ApiClient;
  /** Reads a repository's notify Secret as its ServiceAccount (identity.ts); default: client. */
  clientFor?: (repo: GitRepository) => ApiClient;
  logger: Logger;
  metrics?: Registry;
  retry?: RetryPolicy;
  /** Per POST (default 5 s). */
  timeoutMs?: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 1_000, maxMs: 30_000 };
const MAX_PENDING = 1_000;

interface Pending {
  repo: string;
  event: NotificationEvent;
  address: string;
  token?: string;
  body: string;
  attempt: number;
}

export function signature(token: string, body: string): string {
  return `sha256=${createHmac("sha256", token).update(body).digest("hex")}`;
}

export class Notifier {
  private readonly pending = new Set<Pending>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly counter?: Counter<"event" | "result">;
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: NotifierOptions) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    const reg = opts.metrics;
    if (reg) {
      this.counter =
        (reg.getSingleMetric("gitsync_notifications_total") as Counter<"event" | "result"> | undefined) ??
        new Counter({ name: "gitsync_notifications_total", help: "Notifications git-sync sent, by event and result (sent, failed, dropped, error).", labelNames: ["event", "result"], registers: [reg] });
    }
  }

  /** Queues the transitions the repository's spec.notify asks for; returns at once. */
  notify(repo: GitRepository, found: Transition[], commit?: CommitInfo): void {
    const spec = repo.spec.notify;
    if (!spec || this.abort.signal.aborted) return;
    const wanted = new Set(spec.events ?? ["applied", "failed", "degraded", "recovered"]);
    const chosen = found.filter((t) => wanted.has(t.event));
    if (chosen.length === 0) return;
    const task = this.prepare(repo, chosen, commit).catch((err: unknown) => {
      this.opts.logger.warn({ repository: `${repo.metadata.namespace}/${repo.metadata.name}`, err: String((err as Error)?.message ?? err) }, "notification not sent");
      for (const t of chosen) this.count(t.event, "error");
    });
    this.track(task);
  }

  /** Resolves when nothing is in flight or waiting (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0 || this.timers.size > 0) await Promise.race([...this.inflight, new Promise((r) => setTimeout(r, 20))]);
  }

  stop(): void {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private async prepare(repo: GitRepository, chosen: Transition[], commit: CommitInfo | undefined): Promise<void> {
    const spec = repo.spec.notify!;
    const ns = repo.metadata.namespace ?? "default";
    const client = this.opts.clientFor?.(repo) ?? this.opts.client;
    const secret = await client.get<Secret>(secrets, ns, spec.secretRef.name, { signal: this.abort.signal });
    const read = (k: string) => (secret.data?.[k] === undefined ? undefined : Buffer.from(secret.data[k]!, "base64").toString("utf8").trim());
    const address = read("address");
    if (!address || !/^https?:\/\//i.test(address) || !URL.canParse(address)) throw new Error(`Secret ${ns}/${spec.secretRef.name} needs an http(s) URL under "address"`);
    const token = read("token") || undefined;
    const now = new Date();
    for (const t of chosen) {
      const body = encodeBody(buildNotification(repo, t.event, t.message, commit, now), spec.format ?? "json");
      this.enqueue({ repo: `${ns}/${repo.metadata.name}`, event: t.event, address, token, body, attempt: 0 });
    }
  }

  private enqueue(p: Pending): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.values().next().value as Pending;
      this.pending.delete(oldest);
      this.count(oldest.event, "dropped");
    }
    this.pending.add(p);
    this.track(this.send(p));
  }

  private async send(p: Pending): Promise<void> {
    if (!this.pending.has(p)) return;
    p.attempt++;
    let retryable: boolean;
    let why: string;
    try {
      const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "kubelab-gitsync" };
      if (p.token) headers["x-signature"] = signature(p.token, p.body);
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 5_000)]);
      const res = await fetch(p.address, { method: "POST", headers, body: p.body, signal, redirect: "error" });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        this.pending.delete(p);
        this.count(p.event, "sent");
        return;
      }
      retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      why = `HTTP ${res.status}`;
    } catch (err) {
      retryable = true;
      why = String((err as Error)?.message ?? err);
    }
    if (this.abort.signal.aborted) return;
    if (!retryable || p.attempt >= this.retry.attempts) {
      this.pending.delete(p);
      this.count(p.event, "failed");
      this.opts.logger.warn({ repository: p.repo, event: p.event, attempts: p.attempt, why }, "notification failed");
      return;
    }
    const delay = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (p.attempt - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.send(p));
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private track(task: Promise<void>): void {
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  private count(event: string, result: string): void {
    this.counter?.inc({ event, result });
  }
}
