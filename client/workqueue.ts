// A rate-limited work queue with Kubernetes' semantics (client-go's workqueue):
// - a key is queued at most once (the dirty set dedupes adds);
// - a key is handed to one worker at a time; adds while it is processing are deferred until done();
// - addAfter delays an add (the earliest pending time wins); addRateLimited delays by the key's
//   backoff; forget resets the backoff;
// - after shutDown no adds are accepted, queued keys are still handed out, then get() yields undefined.
import type { Registry } from "prom-client";
import { realClock, type Clock, type TimerHandle } from "./clock";
import { workQueueMetrics, type QueueMetrics } from "./metrics";
import { ItemExponentialRateLimiter, type RateLimiter } from "./ratelimiter";

export interface WorkQueueOptions {
  /** Shown in logs and metrics. */
  name?: string;
  /** Default: per-item exponential, 5 ms doubling to 1000 s. */
  rateLimiter?: RateLimiter;
  clock?: Clock;
  /** Record workqueue_* metrics (label name) here (runController can also attach a registry later). */
  metrics?: Registry;
}

export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private readonly clock: Clock;
  private queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private stopping = false;
  private metrics?: QueueMetrics;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? "queue";
    this.rateLimiter = opts.rateLimiter ?? new ItemExponentialRateLimiter();
    this.clock = opts.clock ?? realClock;
    if (opts.metrics) this.recordMetrics(opts.metrics);
  }

  /**
   * Records workqueue_* metrics in registry from now on (a queue records into one registry: later
   * calls do nothing). Keys already queued count as added now.
   */
  recordMetrics(registry: Registry): void {
    if (this.metrics || this.stopping) return;
    const metrics = workQueueMetrics(registry, this.name, () => this.clock.now());
    for (const key of this.dirty) metrics.add(key);
    for (const key of this.processing) {
      metrics.add(key);
      metrics.get(key);
    }
    this.metrics = metrics;
  }

  /** Marks key as needing processing. */
  add(key: string): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.metrics?.add(key);
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Adds key after ms (immediately when ms <= 0). A key waiting already keeps the earlier time. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.after(ms, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { at, timer });
  }

  /** Adds key after its backoff (each call doubles it until forget). */
  addRateLimited(key: string): void {
    this.metrics?.retry();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Stops tracking key's failures (it succeeded or will not be retried). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process, waiting for one; undefined once shut down and empty. Call done(key) after. */
  get(): Promise<string | undefined> {
    if (this.length() > 0) return Promise.resolve(this.take());
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Processing of key finished; if it was added meanwhile it is queued again. */
  done(key: string): void {
    if (this.processing.has(key)) this.metrics?.done(key);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.handOut();
    }
    if (this.processing.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Keys queued and not yet handed out. */
  len(): number {
    return this.length();
  }

  /** Keys waiting for an addAfter/addRateLimited delay. */
  delayed(): number {
    return this.waiting.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.metrics?.stop();
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    if (this.length() === 0) {
      for (const g of this.getters.splice(0)) g(undefined);
    }
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  /** Resolves when no key is being processed. */
  whenIdle(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private length(): number {
    return this.queue.length - this.head;
  }

  private take(): string {
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.get(key);
    if (this.stopping && this.length() === 0) {
      for (const g of this.getters.splice(0)) g(undefined);
    }
    return key;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.length() > 0) {
      this.getters.shift()!(this.take());
    }
  }
}
