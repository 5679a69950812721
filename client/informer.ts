// Informer: an Indexer (the local cache handlers and controllers read) kept up to date by a
// Reflector (list, then watch), telling event handlers what changed. A relist after 410 Gone is
// diffed against the cache, so handlers see the adds, updates and deletes they missed.
// For unit tests an informer needs no server: fill `informer.indexer` (client-go's
// `informer.GetIndexer().Add(obj)`), or `seed(...)` it, and never start it.
import { pino, type Logger } from "pino";
import { realClock, type Clock, type TimerHandle } from "./clock";
import { Indexer, type IndexFunc } from "./indexer";
export type { IndexFunc } from "./indexer";
import { keyOf } from "./keys";
import { Reflector, type ReflectorOptions, type ReflectorStore } from "./reflector";
import type { ObjectWithMeta } from "./types";
import type { WatchEvent } from "./watch";
import { compareStrings } from "../api/order";


export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the last state known (from the DELETED event, or from the cache when a relist found it gone). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends ObjectWithMeta> extends ReflectorOptions {
  /** Re-deliver every cached object as an update this often (0 = never, the default). */
  resyncPeriodMs?: number;
  /** Indexes of a new Indexer (ignored when `indexer` is given). */
  indexers?: Record<string, IndexFunc<T>>;
  /** Build over this (possibly pre-seeded) cache instead of a new one. */
  indexer?: Indexer<T>;
  clock?: Clock;
  logger?: Logger;
}

export class Informer<T extends ObjectWithMeta> {
  /** The cache. Reading it is the normal use; a test may fill it directly (no handlers run). */
  readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private synced = false;
  private syncWaiters: Array<() => void> = [];

  constructor(private readonly opts: InformerOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.indexer = opts.indexer ?? new Indexer<T>(opts.indexers ?? {});
    const res = opts.resource;
    this.logger = (opts.logger ?? pino({ level: "silent" })).child({ informer: res.group ? `${res.plural}.${res.group}` : res.plural });
    const store: ReflectorStore<T> = {
      replace: (items) => this.replace(items),
      apply: (ev) => this.apply(ev),
    };
    this.reflector = new Reflector<T>(opts, store);
    live.add(new WeakRef(this as unknown as Informer<ObjectWithMeta>));
  }

  /** What this informer follows, for informerCensus(): "pods", "leases.coordination.k8s.io in kube-node-lease". */
  describe(): string {
    const { resource: res, namespace, labelSelector, fieldSelector } = this.opts;
    const what = res.group ? `${res.plural}.${res.group}` : res.plural;
    const selectors = [labelSelector, fieldSelector].filter(Boolean).join(",");
    return `${what}${namespace ? ` in ${namespace}` : ""}${selectors ? ` (${selectors})` : ""}`;
  }

  /** Registers handlers; once synced, they first get onAdd for every cached object. Returns an unsubscribe. */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.synced) for (const obj of this.indexer.list()) this.call(handlers, "onAdd", obj);
    return () => void this.handlers.delete(handlers);
  }

  /**
   * For tests: puts objects in the cache (through the transform, frozen) and marks the informer
   * synced, without a server and without running handlers (as filling client-go's indexer does).
   */
  seed(...objects: T[]): void {
    const transform = this.opts.transform;
    for (const obj of objects) this.indexer.add(transform ? transform(obj) : obj);
    this.markSynced();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the cache, false if signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      });
    });
  }

  /** All cached objects, frozen: copy before changing one (structuredClone). */
  list(): T[] {
    return this.indexer.list();
  }

  /** The cached object for "ns/name" (or "name" when cluster-scoped). */
  get(key: string): T | undefined {
    return this.indexer.get(key);
  }

  keys(): string[] {
    return this.indexer.keys();
  }

  /** Cached objects whose indexer `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }

  /** Adds indexes to the cache, even once started and shared (see Indexer.addIndexers). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.indexer.addIndexers(indexers);
  }

  /** resourceVersion of the last list or event seen. */
  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  /** Runs in the background until signal aborts. */
  start(signal?: AbortSignal): void {
    this.run(signal).catch((err) => this.logger.error({ err }, "informer stopped on an unexpected error"));
  }

  /** List and watch until signal aborts; resolves then. */
  async run(signal?: AbortSignal): Promise<void> {
    const resync = this.scheduleResync();
    try {
      await this.reflector.run(signal);
    } finally {
      resync?.cancel();
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** Makes the cache equal to items, emitting what changed. */
  private replace(items: T[]): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(keyOf(obj), obj);
    for (const key of this.indexer.keys()) {
      if (fresh.has(key)) continue;
      const old = this.indexer.deleteKey(key)!;
      this.emit("onDelete", old);
    }
    for (const obj of fresh.values()) {
      const old = this.indexer.get(keyOf(obj));
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.indexer.add(obj);
      if (old) this.emit("onUpdate", old, obj);
      else this.emit("onAdd", obj);
    }
    this.markSynced();
  }

  private apply(ev: WatchEvent<T>): void {
    if (ev.type === "DELETED") {
      if (this.indexer.delete(ev.object)) this.emit("onDelete", ev.object);
      return;
    }
    const old = this.indexer.add(ev.object);
    if (old) this.emit("onUpdate", old, ev.object);
    else this.emit("onAdd", ev.object);
  }

  private scheduleResync(): TimerHandle | undefined {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0) return undefined;
    let timer: TimerHandle;
    const tick = () => {
      if (this.synced) for (const obj of this.indexer.list()) this.emit("onUpdate", obj, obj);
      timer = this.clock.after(period, tick);
    };
    timer = this.clock.after(period, tick);
    return { cancel: () => timer.cancel() };
  }

  private emit(kind: "onAdd" | "onDelete", obj: T): void;
  private emit(kind: "onUpdate", oldObj: T, newObj: T): void;
  private emit(kind: keyof EventHandlers<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandlers<T>, kind: keyof EventHandlers<T>, a: T, b?: T): void {
    try {
      if (kind === "onUpdate") h.onUpdate?.(a, b!);
      else h[kind]?.(a);
    } catch (err) {
      this.logger.error({ err, handler: kind, key: keyOf(a) }, "event handler failed");
    }
  }
}

const live = new Set<WeakRef<Informer<ObjectWithMeta>>>();

/**
 * Every informer alive in this process and how many objects its cache holds (what a memory
 * benchmark asks "who holds what"): two caches of one kind in one process are one too many.
 */
export function informerCensus(): Array<{ informer: string; objects: number }> {
  const out: Array<{ informer: string; objects: number }> = [];
  for (const ref of live) {
    const inf = ref.deref();
    if (!inf) live.delete(ref);
    else out.push({ informer: inf.describe(), objects: inf.indexer.size() });
  }
  return out.sort((a, b) => b.objects - a.objects || compareStrings(a.informer, b.informer));
}

/** Resolves true when every informer has synced, false if signal aborts first. */
export async function waitForCacheSync(signal: AbortSignal | undefined, ...informers: Array<{ waitForSync(signal?: AbortSignal): Promise<boolean> }>): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}
