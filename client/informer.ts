// Informer: list, then watch from the list's resourceVersion, keeping a local cache that handlers
// and controllers read. On 410 Gone it relists and diffs the cache so handlers see adds, updates
// and deletes they missed; when the server is away it retries with backoff (1 s doubling to 30 s).
import { pino, type Logger } from "pino";
import { realClock, sleep, type Clock, type TimerHandle } from "./clock";
import { isAbortError, isGone } from "./errors";
import { keyOf } from "./keys";
import type { ApiClient, ObjectWithMeta } from "./rest";
import type { ResourceRef } from "./resources";
import type { WatchEvent } from "./watch";

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the last state known (from the DELETED event, or from the cache when a relist found it gone). */
  onDelete?(obj: T): void;
}

/** Values an object is indexed under (e.g. its spec.nodeName); [] for none. */
export type IndexFunc<T> = (obj: T) => string[];

export interface InformerOptions<T> {
  client: ApiClient;
  resource: ResourceRef;
  /** Only this namespace (default: all namespaces). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** Re-deliver every cached object as an update this often (0 = never, the default). */
  resyncPeriodMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Reconnect backoff (default 1 s doubling to 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Server-side timeout of one watch (default 5-10 min, random, as client-go). */
  watchTimeoutSeconds?: number;
  clock?: Clock;
  logger?: Logger;
}

export class Informer<T extends ObjectWithMeta> {
  private readonly cache = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private resourceVersion = "";
  private running = false;

  constructor(private readonly opts: InformerOptions<T>) {
    this.clock = opts.clock ?? realClock;
    const res = opts.resource;
    this.logger = (opts.logger ?? pino({ level: "silent" })).child({
      informer: res.group ? `${res.plural}.${res.group}` : res.plural,
    });
    for (const name of Object.keys(opts.indexers ?? {})) this.indices.set(name, new Map());
  }

  /** Registers handlers; once synced, they first get onAdd for every cached object. Returns an unsubscribe. */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.synced) for (const obj of this.cache.values()) this.call(handlers, "onAdd", obj);
    return () => void this.handlers.delete(handlers);
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

  /** All cached objects. Do not mutate them: copy first (structuredClone). */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** The cached object for "ns/name" (or "name" when cluster-scoped). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** Cached objects whose indexer `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`informer has no index "${indexName}"`);
    const keys = index.get(value);
    return keys ? [...keys].map((k) => this.cache.get(k)!).filter(Boolean) : [];
  }

  /** resourceVersion of the last list or event seen. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Runs in the background until signal aborts. */
  start(signal?: AbortSignal): void {
    this.run(signal).catch((err) => this.logger.error({ err }, "informer stopped on an unexpected error"));
  }

  /** List and watch until signal aborts; resolves then. */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error("informer is already running");
    this.running = true;
    const initialMs = this.opts.backoff?.initialMs ?? 1000;
    const maxMs = this.opts.backoff?.maxMs ?? 30_000;
    let backoffMs = initialMs;
    let needList = true;
    const resync = this.scheduleResync();
    try {
      while (!signal?.aborted) {
        try {
          if (needList) {
            await this.relist(signal);
            needList = false;
            backoffMs = initialMs;
          }
          const started = this.clock.now();
          const result = await this.opts.client.watch<T>(
            this.opts.resource,
            this.opts.namespace,
            {
              resourceVersion: this.resourceVersion,
              labelSelector: this.opts.labelSelector,
              fieldSelector: this.opts.fieldSelector,
              allowWatchBookmarks: true,
              timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
              signal,
            },
            (ev) => this.handleEvent(ev),
          );
          if (result.end === "aborted") break;
          if (result.end === "gone") {
            this.logger.info({ resourceVersion: this.resourceVersion }, "watch expired; relisting");
            needList = true;
            continue;
          }
          if (result.events > 0 || this.clock.now() - started >= 1000) {
            backoffMs = initialMs;
            continue;
          }
          throw new Error("watch closed at once without events");
        } catch (err) {
          if (signal?.aborted || isAbortError(err)) break;
          if (isGone(err)) needList = true;
          this.logger.warn({ err, backoffMs, resourceVersion: this.resourceVersion }, "list/watch failed; retrying");
          try {
            await sleep(this.clock, backoffMs, signal);
          } catch {
            break;
          }
          backoffMs = Math.min(backoffMs * 2, maxMs);
        }
      }
    } finally {
      resync?.cancel();
      this.running = false;
    }
  }

  private async relist(signal?: AbortSignal): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.opts;
    const list = await client.listAll<T>(resource, namespace, {
      labelSelector,
      fieldSelector,
      limit: this.opts.pageSize ?? 500,
      signal,
    });
    this.replace(list.items);
    this.resourceVersion = list.metadata.resourceVersion;
    this.logger.debug({ items: list.items.length, resourceVersion: this.resourceVersion }, "listed");
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Makes the cache equal to items, emitting what changed. */
  private replace(items: T[]): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(keyOf(obj), withTypeMeta(obj, this.opts.resource));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.remove(key, old);
        this.emit("onDelete", old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      if (!old) {
        this.put(key, obj);
        this.emit("onAdd", obj);
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.put(key, obj, old);
        this.emit("onUpdate", old, obj);
      }
    }
  }

  private handleEvent(ev: WatchEvent<T>): void {
    const rv = ev.object?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === "BOOKMARK") return;
    const obj = withTypeMeta(ev.object, this.opts.resource);
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (ev.type === "DELETED") {
      if (!old) return;
      this.remove(key, old);
      this.emit("onDelete", obj);
      return;
    }
    this.put(key, obj, old);
    if (old) this.emit("onUpdate", old, obj);
    else this.emit("onAdd", obj);
  }

  private put(key: string, obj: T, old?: T): void {
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    for (const [name, fn] of Object.entries(this.opts.indexers ?? {})) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private remove(key: string, old: T): void {
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, old: T): void {
    for (const [name, fn] of Object.entries(this.opts.indexers ?? {})) {
      const index = this.indices.get(name)!;
      for (const value of fn(old)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  private scheduleResync(): TimerHandle | undefined {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0) return undefined;
    let timer: TimerHandle;
    const tick = () => {
      if (this.synced) for (const obj of this.cache.values()) this.emit("onUpdate", obj, obj);
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

/** Lists leave apiVersion/kind off items; put them back so cached objects are complete. */
function withTypeMeta<T extends ObjectWithMeta>(obj: T, res: ResourceRef): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion ?? (res.group ? `${res.group}/${res.version}` : res.version), kind: obj.kind ?? res.kind };
}

/** Resolves true when every informer has synced, false if signal aborts first. */
export async function waitForCacheSync(signal: AbortSignal | undefined, ...informers: Array<{ waitForSync(signal?: AbortSignal): Promise<boolean> }>): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}

/** Index pods by spec.nodeName ("" = unscheduled). */
export const indexByNodeName: IndexFunc<{ spec?: { nodeName?: string } }> = (obj) => [obj.spec?.nodeName ?? ""];

/** Index objects by the uid of their controller owner (or every owner when none is the controller). */
export const indexByOwnerUid: IndexFunc<{ metadata?: { ownerReferences?: Array<{ uid: string; controller?: boolean }> } }> = (obj) => {
  const refs = obj.metadata?.ownerReferences ?? [];
  const controller = refs.find((r) => r.controller);
  return controller ? [controller.uid] : refs.map((r) => r.uid);
};

/** Index namespaced objects by namespace. */
export const indexByNamespace: IndexFunc<{ metadata?: { namespace?: string } }> = (obj) =>
  obj.metadata?.namespace ? [obj.metadata.namespace] : [];
