// The watch cache of one resource type, as kube-apiserver's cacher keeps one per resource: filled
// by a list of the store and then kept by the store's watch (relisted when the watch ends), it
// holds each object as the JSON text the API sends (resourceVersion spliced in: encoded once per
// write, never per read; as UTF-8 bytes off the V8 heap) in key order, plus a short history of
// changes, so that a list can be answered at any revision the history still covers (the
// snapshot a paged list's later pages come from, an Exact read). What selectors read (labels, selectable fields) is taken from the
// text the first time a request selects on an object and kept beside it (selection.ts); no parsed
// copy of an object is kept, and nothing is parsed on the write path.
import type { Store, StoredValue, Watcher, WatchEvent } from "../../storage/store";
import { jsonAtRevision } from "../codec";

/** One object as the cache holds it: frozen, shared by every snapshot that contains it. */
export interface CachedObject {
  readonly key: string;
  /**
   * The object's JSON text with metadata.resourceVersion set, as UTF-8 bytes in a buffer of its
   * own: a list writes them as they are (no encoding per list), and off the V8 heap they are
   * neither copied by the garbage collector nor counted in the live heap V8 sizes its growth by.
   */
  readonly bytes: Buffer;
  /** Its resourceVersion (the store's modRevision). */
  readonly revision: number;
  /** What selectors read, filled in by selection.ts the first time anything selects on this object. */
  selectable?: Selectable;
  /** Where metadata.managedFields lies in the text of `bytes` ([from, to) string offsets to cut; null: nowhere), filled in by text.ts the first time a Table needs it. */
  managedFieldsCut?: readonly [number, number] | null;
}

/**
 * A cached object of JSON text. The bytes get a buffer of their own, not a slice of Node's shared
 * pool, which would keep the neighbours' memory alive as long as this object lives.
 */
export function cachedObject(key: string, json: string, revision: number): CachedObject {
  const length = Buffer.byteLength(json);
  const bytes = Buffer.allocUnsafeSlow(length);
  bytes.write(json, 0, length, "utf8");
  return { key, bytes, revision };
}

/** The cached object's JSON text (decoded from its bytes on every call). */
export function cachedText(obj: CachedObject): string {
  return obj.bytes.toString("utf8");
}

export interface Selectable {
  labels: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, string | undefined>>;
}

/** A change the history keeps: the key's object before the change at `revision` (undefined: it did not exist). */
interface Change {
  revision: number;
  key: string;
  before: CachedObject | undefined;
  at: number;
}

export interface WatchCacheOptions {
  /**
   * Most changes kept for snapshots (default 2,000: older snapshots come from the store's own
   * history, so the cache keeps only what recent pages need, and little memory).
   */
  historyCapacity?: number;
  /** Changes older than this are dropped once the history holds more than 100 (default 75 s, as kube's eventFreshDuration). */
  historyMaxAgeMs?: number;
  /** Called when the watch ends and the cache relists (for logs). */
  onRelist?: (err: Error) => void;
  now?: () => number;
}

/** A page of a list at one revision. */
export interface CachePage {
  items: CachedObject[];
  revision: number;
  /** The last key examined when more keys follow (the next page starts after it). */
  continueAfter?: string;
  /** Keys left after this page in the snapshot (only counted when asked). */
  remaining?: number;
}

export class WatchCache {
  private readonly byKey = new Map<string, CachedObject>();
  /** Every key, sorted (as the store lists them: by UTF-16 code unit, as SQLite's and etcd's byte order agree on ASCII keys). */
  private keys: string[] = [];
  private history: Change[] = [];
  /** The oldest revision a snapshot can be made at. */
  private historyFrom = 0;
  /** Every change up to this revision is in the cache. */
  private revision = 0;
  private live = false;
  private stopped = false;
  private watcher: Watcher | undefined;
  private starting: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly capacity: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly opts: WatchCacheOptions = {},
  ) {
    this.capacity = opts.historyCapacity ?? 2_000;
    this.maxAgeMs = opts.historyMaxAgeMs ?? 75_000;
    this.now = opts.now ?? Date.now;
  }

  /** Starts filling (once); resolves when the first list is in. */
  start(): Promise<void> {
    this.starting ??= this.fill();
    return this.starting;
  }

  /** true once filled and while its watch runs: only then does the cache answer reads. */
  get ready(): boolean {
    return this.live;
  }

  /** The revision the cache has every change up to. */
  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision `page` can answer at. */
  get oldestRevision(): number {
    return this.historyFrom;
  }

  /**
   * Tells the cache that nothing under its prefix changed up to `revision` (the store's
   * current revision read while the cache was live, on a store whose watch reaches the cache
   * before any write is acknowledged): the cache then stands at that revision.
   */
  progress(revision: number): void {
    if (this.live && revision > this.revision) {
      this.revision = revision;
      this.wake();
    }
  }

  /** Resolves true once the cache stands at `revision` or later, false after `timeoutMs`. */
  waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.live && this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!this.live || this.revision < revision) return;
        done(true);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(check);
    });
  }

  get(key: string): CachedObject | undefined {
    return this.byKey.get(key);
  }

  /**
   * At most `limit` objects (0: all) under `prefix` with keys after `after`, as they were at
   * `revision` (the current one when undefined); undefined when the history no longer reaches
   * back that far. `keep` filters (selectors); the page then fills with matching objects.
   */
  page(prefix: string, opts: { revision?: number; after?: string; limit?: number; keep?: (o: CachedObject) => boolean; countRemaining?: boolean }): CachePage | undefined {
    const revision = opts.revision ?? this.revision;
    if (revision < this.historyFrom || revision > this.revision) return undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const end = prefixEnd(prefix);
    const from = opts.after !== undefined && opts.after >= prefix ? opts.after : undefined;
    // The keys changed since `revision`, with what they held then.
    const then = this.before(revision, prefix, end);
    const extra = [...then.keys()].filter((k) => (from === undefined || k > from) && !this.byKey.has(k)).sort();
    const items: CachedObject[] = [];
    let i = lowerBound(this.keys, from === undefined ? prefix : from);
    if (from !== undefined && this.keys[i] === from) i++;
    let j = 0;
    let last: string | undefined;
    let more = false;
    for (;;) {
      const a = i < this.keys.length && this.keys[i]! < end ? this.keys[i]! : undefined;
      const b = j < extra.length ? extra[j]! : undefined;
      if (a === undefined && b === undefined) break;
      let key: string;
      if (b === undefined || (a !== undefined && a < b)) {
        key = a!;
        i++;
      } else {
        key = b;
        j++;
      }
      const obj = then.has(key) ? then.get(key) : this.byKey.get(key);
      if (!obj) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      last = key;
      if (opts.keep && !opts.keep(obj)) continue;
      items.push(obj);
    }
    const page: CachePage = { items, revision };
    if (more) {
      page.continueAfter = last;
      if (opts.countRemaining) {
        // The object that stopped the loop counts, then the rest of the snapshot.
        let remaining = 1;
        for (; i < this.keys.length && this.keys[i]! < end; i++) if (then.has(this.keys[i]!) ? then.get(this.keys[i]!) : true) remaining++;
        for (; j < extra.length; j++) if (then.get(extra[j]!)) remaining++;
        page.remaining = remaining;
      }
    }
    return page;
  }

  /** For each key under [prefix, end) changed after `revision`: its object at `revision` (undefined: absent). */
  private before(revision: number, prefix: string, end: string): Map<string, CachedObject | undefined> {
    const then = new Map<string, CachedObject | undefined>();
    if (revision >= this.revision) return then;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.history.length; k++) {
      const c = this.history[k]!;
      if (c.key >= prefix && c.key < end && !then.has(c.key)) then.set(c.key, c.before);
    }
    return then;
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    this.watcher?.close();
  }

  private async fill(): Promise<void> {
    const listed = await this.store.list(this.prefix);
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const sv of listed.items) {
      seen.add(sv.key);
      const had = this.byKey.get(sv.key);
      if (had?.revision !== sv.modRevision) this.put(this.fromStored(sv));
    }
    for (const key of [...this.byKey.keys()]) if (!seen.has(key)) this.remove(key);
    // What happened before the relist cannot be replayed from here on.
    this.history = [];
    this.revision = listed.revision;
    this.historyFrom = listed.revision;
    this.watcher?.close();
    this.watcher = this.store.watch(this.prefix, listed.revision, (ev) => this.apply(ev), (err) => this.relist(err));
    this.live = true;
    this.wake();
  }

  private relist(err: Error): void {
    this.live = false;
    if (this.stopped) return;
    this.opts.onRelist?.(err);
    const retry = (): void => {
      if (this.stopped) return;
      this.fill().catch(() => setTimeout(retry, 1000).unref());
    };
    retry();
  }

  private apply(ev: WatchEvent): void {
    const before = this.byKey.get(ev.key);
    if (ev.type === "DELETE") this.remove(ev.key);
    else this.put(this.fromEvent(ev));
    const now = this.now();
    this.history.push({ revision: ev.revision, key: ev.key, before, at: now });
    this.trim(now);
    if (ev.revision > this.revision) this.revision = ev.revision;
    this.wake();
  }

  private trim(now: number): void {
    let drop = 0;
    const h = this.history;
    while (drop < h.length && (h.length - drop > this.capacity || (h.length - drop > 100 && now - h[drop]!.at > this.maxAgeMs))) drop++;
    if (drop === 0) return;
    this.historyFrom = h[drop - 1]!.revision;
    // Splice in bulk now and then rather than shifting on every event.
    if (drop > 256 || drop * 4 > h.length) this.history = h.slice(drop);
    else h.splice(0, drop);
  }

  private fromStored(sv: StoredValue): CachedObject {
    return this.object(sv.key, sv.value, sv.modRevision);
  }

  private fromEvent(ev: WatchEvent): CachedObject {
    return this.object(ev.key, ev.value, ev.revision);
  }

  /** Never throws (it runs inside the store's commit): text that is not an object is kept as it is. */
  private object(key: string, text: string, revision: number): CachedObject {
    let json = text;
    try {
      json = jsonAtRevision(text, revision);
    } catch {
      // not an object with metadata: served as stored
    }
    return cachedObject(key, json, revision);
  }

  private put(obj: CachedObject): void {
    if (!this.byKey.has(obj.key)) {
      const at = lowerBound(this.keys, obj.key);
      this.keys.splice(at, 0, obj.key);
    }
    this.byKey.set(obj.key, obj);
  }

  private remove(key: string): void {
    if (!this.byKey.delete(key)) return;
    const at = lowerBound(this.keys, key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string that starts with prefix. */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
