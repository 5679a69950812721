// GET and LIST as kube-apiserver's cacher answers them, one watch cache per resource type (made
// at the type's first read), deciding per request between the cache and the store:
//   consistent (no resourceVersion): from the cache when the store's watch reaches the cache
//     before any write is acknowledged (SQLite, Store.watchBeforeAck): the cache, once its watch
//     runs, is then never behind the store, and stands at the store's current revision (Kubernetes
//     1.31+ ConsistentListFromCache waits for the cache to reach etcd's current revision; ours is
//     there by construction). On etcd, consistent reads go to etcd, as Kubernetes did before 1.31
//     (we have no watch progress notifications to learn that a quiet cache is current).
//   "0": from the cache, whatever it holds.
//   N, not older than: from the cache once it stands at N (waiting up to 3 s, then 504 Too large
//     resource version); on etcd a cache behind N reads etcd instead.
//   N, Exact, and every page after the first (the continue token carries the first page's
//     revision): a snapshot at N from the cache's history, or from the store at N (etcd keeps
//     revisions, SQLite its log of changes, until compaction); else 410 Expired.
// Until a type's cache is filled, and while it relists, every read goes to the store.
import type { ResourceType } from "../../../api/resource";
import { StoreCompactedError, type Store } from "../../storage/store";
import { decodeContinue, encodeContinue, storedJson } from "../codec";
import { storageKey, storagePrefix } from "../keys";
import { WatchCache, cachedObject, type CachedObject, type CachePage } from "./cache";
import { ContinueExpiredError, listTooOld, readAtForGet, readAtForList, tooLargeResourceVersion, type ReadAt } from "./resource-version";
import { matchesCached, selecting, type Selectors } from "./selection";

/** How long a read waits for the cache to reach its resourceVersion (kube's blockTimeout). */
const FRESHNESS_WAIT_MS = 3_000;
/** Store pages read per round when the store answers a filtered list. */
const STORE_PAGE = 500;

export interface ListRequest extends Selectors {
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListedObjects {
  items: CachedObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export class CachedReads {
  private readonly caches = new Map<string, WatchCache>();

  constructor(
    private readonly store: Store,
    private readonly opts: { historyCapacity?: number; onRelist?: (resource: string, err: Error) => void } = {},
  ) {}

  /** The object's JSON text, or undefined when there is none. */
  async get(rt: ResourceType, ns: string | undefined, name: string, resourceVersion?: string): Promise<CachedObject | undefined> {
    const at = readAtForGet(resourceVersion);
    const key = storageKey(rt, ns, name);
    // One object needs no revision check: on a watch-before-ack store the cache has every acknowledged write.
    const cache = at.kind === "consistent" ? await this.currentCache(rt) : await this.cacheAt(rt, at);
    if (cache) return cache.get(key);
    const sv = await this.store.get(key);
    if (at.kind === "notOlderThan") await this.storeReaches(at.revision);
    return sv && cachedObject(sv.key, storedJson(sv), sv.modRevision);
  }

  async list(rt: ResourceType, ns: string | undefined, q: ListRequest): Promise<ListedObjects> {
    const prefix = storagePrefix(rt, ns);
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const token = q.continueToken ? decodeContinue(q.continueToken, prefix) : undefined;
    const at: ReadAt = readAtForList(q);
    const keep = selecting(q) ? (o: CachedObject) => matchesCached(rt, o, q) : undefined;
    const countRemaining = !keep;
    const after = token?.start;
    let page: CachePage | undefined;
    if (token && token.revision > 0) {
      // A later page: the first page's snapshot, from the cache's history or the store's.
      const cache = this.cacheFor(rt);
      if (cache.ready) page = cache.page(prefix, { revision: token.revision, after, limit, keep, countRemaining });
      page ??= await this.storePageAt(prefix, token.revision, after, limit, keep);
      if (!page) throw new ContinueExpiredError(encodeContinue(token.start, -1));
    } else if (at.kind === "exact") {
      const cache = await this.cacheAt(rt, { kind: "notOlderThan", revision: at.revision });
      if (cache) page = cache.page(prefix, { revision: at.revision, after, limit, keep, countRemaining });
      if (!page) {
        await this.storeReaches(at.revision);
        page = await this.storePageAt(prefix, at.revision, after, limit, keep);
      }
      if (!page) throw listTooOld();
    } else {
      // The current state (a continue token of -1 resumes there too).
      const cache = await this.cacheAt(rt, token ? { kind: "consistent" } : at);
      page = cache?.page(prefix, { after, limit, keep, countRemaining });
      if (!page) {
        page = await this.storePage(prefix, undefined, after, limit, keep);
        if (at.kind === "notOlderThan" && page.revision < at.revision) await this.storeReaches(at.revision);
      }
    }
    const out: ListedObjects = { items: page.items, resourceVersion: String(page.revision) };
    if (page.continueAfter !== undefined) {
      out.continueToken = encodeContinue(page.continueAfter, page.revision);
      if (page.remaining !== undefined) out.remainingItemCount = page.remaining;
    }
    return out;
  }

  /** The type's cache, made and started at its first use (it answers once filled: WatchCache.ready). */
  private cacheFor(rt: ResourceType): WatchCache {
    const prefix = storagePrefix(rt);
    let cache = this.caches.get(prefix);
    if (!cache) {
      cache = new WatchCache(this.store, prefix, {
        historyCapacity: this.opts.historyCapacity,
        onRelist: (err) => this.opts.onRelist?.(rt.plural, err),
      });
      this.caches.set(prefix, cache);
      const made = cache;
      // A failed fill (store unreachable) drops the cache; the next read makes a new one.
      made.start().catch(() => {
        made.stop();
        if (this.caches.get(prefix) === made) this.caches.delete(prefix);
      });
    }
    return cache;
  }

  /**
   * The cache, when filled, on a store whose watch reaches it before any write is acknowledged.
   * Always after a turn of the microtask queue: a read made by another watcher of the store while
   * the store hands a commit's events out would otherwise see the cache before it took them in.
   */
  private async currentCache(rt: ResourceType): Promise<WatchCache | undefined> {
    await undefined;
    const cache = this.cacheFor(rt);
    return this.store.watchBeforeAck && cache.ready ? cache : undefined;
  }

  /** The cache when it may answer a read at `at` (after waiting for it where that is the rule), else undefined: read the store. */
  private async cacheAt(rt: ResourceType, at: ReadAt): Promise<WatchCache | undefined> {
    await undefined; // as currentCache: after the store's watchers took in the events being handed out
    const cache = this.cacheFor(rt);
    // The first fill is one store list: wait for it rather than answer this read from the store.
    if (!cache.ready) await cache.start().catch(() => undefined);
    if (!cache.ready) return undefined;
    const fromWatch = Boolean(this.store.watchBeforeAck);
    switch (at.kind) {
      case "any":
        return cache;
      case "consistent":
        if (!fromWatch) return undefined;
        cache.progress(await this.store.currentRevision());
        return cache.ready ? cache : undefined;
      case "notOlderThan":
      case "exact": {
        if (cache.currentRevision >= at.revision) return cache;
        if (!fromWatch) return undefined;
        const deadline = Date.now() + FRESHNESS_WAIT_MS;
        for (;;) {
          const current = await this.store.currentRevision();
          cache.progress(current);
          if (!cache.ready) return undefined;
          if (cache.currentRevision >= at.revision) return cache;
          if (Date.now() >= deadline) throw tooLargeResourceVersion(at.revision, current);
          await cache.waitFor(at.revision, Math.min(100, deadline - Date.now()));
        }
      }
    }
  }

  /** Waits (up to 3 s) for the store to reach `revision`, else 504 Too large resource version. */
  private async storeReaches(revision: number): Promise<void> {
    const deadline = Date.now() + FRESHNESS_WAIT_MS;
    for (;;) {
      const current = await this.store.currentRevision();
      if (current >= revision) return;
      if (Date.now() >= deadline) throw tooLargeResourceVersion(revision, current);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A page from the store at `revision`, or undefined when the store cannot list there (no history, compacted). */
  private async storePageAt(prefix: string, revision: number, after: string | undefined, limit: number, keep?: (o: CachedObject) => boolean): Promise<CachePage | undefined> {
    if (!this.store.listsAtRevision) return undefined;
    try {
      return await this.storePage(prefix, revision, after, limit, keep);
    } catch (e) {
      if (e instanceof StoreCompactedError) return undefined;
      throw e;
    }
  }

  /** A page read from the store (at `revision`, or the current one), filtered by `keep`. */
  private async storePage(prefix: string, revision: number | undefined, after: string | undefined, limit: number, keep?: (o: CachedObject) => boolean): Promise<CachePage> {
    const items: CachedObject[] = [];
    let at = revision;
    for (;;) {
      const want = limit ? (keep ? STORE_PAGE : limit - items.length) : 0;
      const res = await this.store.list(prefix, { limit: want, continueAfter: after, ...(at && this.store.listsAtRevision ? { revision: at } : {}) });
      at = res.revision;
      for (let i = 0; i < res.items.length; i++) {
        if (limit && items.length >= limit) {
          return { items, revision: at, continueAfter: after, remaining: keep ? undefined : res.items.length - i + (res.remaining ?? 0) };
        }
        const sv = res.items[i]!;
        after = sv.key;
        const obj = cachedObject(sv.key, storedJson(sv), sv.modRevision);
        if (!keep || keep(obj)) items.push(obj);
      }
      if (!res.continueKey) return { items, revision: at };
      if (limit && items.length >= limit) return { items, revision: at, continueAfter: after, remaining: keep ? undefined : res.remaining };
    }
  }

  close(): void {
    for (const c of this.caches.values()) c.stop();
    this.caches.clear();
  }
}
