// Indexer: the local cache an informer keeps (client-go's cache.Indexer): objects by key
// ("namespace/name", or "name" when cluster-scoped) plus secondary indexes (pods by nodeName,
// dependents by owner uid). A Reflector fills it from list+watch; a unit test fills it by hand
// (`informer.indexer.add(pod)`) and calls a controller's sync with no server at all. JavaScript
// runs one callback at a time, so every method is atomic without locks.
// Objects are frozen (deeply) as they enter: one copy per object for every reader in the process,
// handed out without a clone, and a reader that changes one throws (TypeError) instead of
// silently changing what every other controller sees. Copy before changing (structuredClone, or
// a spread of the parts changed).
import { keyOf } from "./keys";
import type { ObjectWithMeta } from "./types";
import { deepFreeze } from "../api/freeze";

/** Values an object is indexed under (e.g. its spec.nodeName); [] for none. */
export type IndexFunc<T> = (obj: T) => string[];

export class Indexer<T extends ObjectWithMeta> {
  private readonly items = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  private readonly indexers: Record<string, IndexFunc<T>>;

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.indexers = { ...indexers };
    for (const name of Object.keys(indexers)) this.indices.set(name, new Map());
  }

  /**
   * Adds indexes to a cache already in use (client-go's AddIndexers), built over what it holds, so
   * a controller can register the index it looks up by on a shared informer. A name already
   * present with the same function is kept (several controllers may ask); with another, it throws.
   */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const existing = this.indexers[name] as IndexFunc<T> | undefined;
      if (existing === fn) continue;
      if (existing) throw new Error(`indexer already has an index "${name}" with another function`);
      this.indexers[name] = fn;
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.indexUnder(name, fn, key, obj);
    }
  }

  /** Stores obj (frozen, deeply) under its key, replacing what was there; returns the previous object. */
  add(obj: T): T | undefined {
    deepFreeze(obj);
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Same as add: the store does not tell an add from an update (the caller knows). */
  update(obj: T): T | undefined {
    return this.add(obj);
  }

  /** Removes the object with obj's key; returns what was stored. */
  delete(obj: T): T | undefined {
    return this.deleteKey(keyOf(obj));
  }

  deleteKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** The object for "ns/name" (or "name" when cluster-scoped). Do not mutate it: copy first. */
  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** All objects. Do not mutate them: copy first (structuredClone). */
  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  /** Objects whose index `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`indexer has no index "${indexName}"`);
    const keys = index.get(value);
    return keys ? [...keys].map((k) => this.items.get(k)!).filter(Boolean) : [];
  }

  /** The values index `indexName` currently holds. */
  indexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`indexer has no index "${indexName}"`);
    return [...index.keys()];
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) this.indexUnder(name, fn, key, obj);
  }

  private indexUnder(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indices.get(name)!;
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, old: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(old)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
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
