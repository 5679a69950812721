// Keeps a NodeGraph in step with the store: lists pods and PersistentVolumeClaims, then follows
// the store's watch of each; a watch that ends (compaction, a lost etcd stream) is relisted.
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import { storagePrefix } from "../keys";
import type { Store, Watcher, WatchEvent } from "../../storage/store";
import { NodeGraph } from "./node-graph";
import { NodeAuthorizer } from "./node";

interface Stored {
  metadata: { namespace?: string; name?: string };
  spec?: Record<string, unknown>;
}

function apply(graph: NodeGraph, rt: ResourceType, value: string, deleted: boolean): string {
  const obj = JSON.parse(value) as Stored;
  const ns = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  if (rt.kind === "Pod") {
    if (deleted) graph.deletePod(ns, name);
    else graph.setPod(obj as Parameters<NodeGraph["setPod"]>[0]);
  } else graph.setClaim(ns, name, deleted ? undefined : (obj.spec?.volumeName as string | undefined));
  return `${ns}/${name}`;
}

function forget(graph: NodeGraph, rt: ResourceType, id: string): void {
  const [ns, name] = id.split("/") as [string, string];
  if (rt.kind === "Pod") graph.deletePod(ns, name);
  else graph.setClaim(ns, name, undefined);
}

/** Fills `graph` from the store and follows it; resolves once listed, returns the stop function. */
export async function syncNodeGraph(store: Store, types: { pods: ResourceType; claims?: ResourceType }, graph: NodeGraph, logger: Logger): Promise<() => void> {
  const watchers = new Map<ResourceType, Watcher>();
  const known = new Map<ResourceType, Set<string>>();
  let stopped = false;
  const follow = async (rt: ResourceType): Promise<void> => {
    const prefix = storagePrefix(rt);
    const listed = await store.list(prefix);
    const ids = new Set(listed.items.map((item) => apply(graph, rt, item.value, false)));
    for (const id of known.get(rt) ?? []) if (!ids.has(id)) forget(graph, rt, id);
    known.set(rt, ids);
    const onEvent = (ev: WatchEvent) => {
      const id = apply(graph, rt, ev.value, ev.type === "DELETE");
      if (ev.type === "DELETE") ids.delete(id);
      else ids.add(id);
    };
    const onError = (err: Error) => {
      logger.warn({ err, resource: rt.plural }, "node graph watch ended; relisting");
      if (!stopped) void follow(rt).catch((e: unknown) => logger.error({ err: e, resource: rt.plural }, "node graph relist failed"));
    };
    watchers.get(rt)?.close();
    watchers.set(rt, store.watch(prefix, listed.revision, onEvent, onError));
  };
  await Promise.all([types.pods, types.claims].filter((t): t is ResourceType => t !== undefined).map((rt) => follow(rt)));
  return () => {
    stopped = true;
    for (const w of watchers.values()) w.close();
  };
}

/** The Node authorizer over a graph kept in sync with the store (authorization mode "Node"). */
export async function startNodeAuthorizer(store: Store, types: readonly ResourceType[], logger: Logger): Promise<{ authorizer: NodeAuthorizer; stop: () => void }> {
  const pods = types.find((t) => t.group === "" && t.kind === "Pod");
  if (!pods) throw new Error("the Node authorizer needs the Pod resource type");
  const claims = types.find((t) => t.group === "" && t.kind === "PersistentVolumeClaim");
  const graph = new NodeGraph();
  const stop = await syncNodeGraph(store, { pods, claims }, graph, logger.child({ authorizer: "Node" }));
  return { authorizer: new NodeAuthorizer(graph), stop };
}
