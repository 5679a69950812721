// An in-memory copy of some kinds, kept from the store itself (the RBAC rule cache, the Node
// authorizer's graph): each kind is listed, then followed by the store's watch; a watch that ends
// (compaction, a lost etcd stream) is relisted and watched again, and what vanished meanwhile is
// forgotten, so a relist swaps in place and nothing blinks.
import type { Logger } from "pino";
import type { ResourceType } from "../../api/resource";
import type { Store, Watcher, WatchEvent } from "../storage/store";
import { storagePrefix } from "./keys";

export interface StoreMirror {
  /** Takes in (or, deleted, drops) one stored object; returns its id ("ns/name"). */
  apply(rt: ResourceType, value: string, deleted: boolean): string;
  /** Drops an object a relist no longer has. */
  forget(rt: ResourceType, id: string): void;
}

/** Resolves once every kind is listed; the returned function stops the watches. */
export async function mirrorStore(store: Store, types: readonly ResourceType[], mirror: StoreMirror, logger: Logger, what: string): Promise<() => void> {
  const watchers = new Map<ResourceType, Watcher>();
  const known = new Map<ResourceType, Set<string>>();
  let stopped = false;
  const follow = async (rt: ResourceType): Promise<void> => {
    const prefix = storagePrefix(rt);
    const listed = await store.list(prefix);
    const ids = new Set(listed.items.map((item) => mirror.apply(rt, item.value, false)));
    for (const id of known.get(rt) ?? []) if (!ids.has(id)) mirror.forget(rt, id);
    known.set(rt, ids);
    const onEvent = (ev: WatchEvent) => {
      const id = mirror.apply(rt, ev.value, ev.type === "DELETE");
      if (ev.type === "DELETE") ids.delete(id);
      else ids.add(id);
    };
    const onError = (err: Error) => {
      logger.warn({ err, resource: rt.plural }, `${what} watch ended; relisting`);
      if (!stopped) void follow(rt).catch((e: unknown) => logger.error({ err: e, resource: rt.plural }, `${what} relist failed`));
    };
    watchers.get(rt)?.close();
    watchers.set(rt, store.watch(prefix, listed.revision, onEvent, onError));
  };
  await Promise.all(types.map((rt) => follow(rt)));
  return () => {
    stopped = true;
    for (const w of watchers.values()) w.close();
  };
}
