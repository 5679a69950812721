// Keeps a NodeGraph in step with the store's pods and PersistentVolumeClaims (store-mirror.ts).
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import { mirrorStore } from "../store-mirror";
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
export function syncNodeGraph(store: Store, types: { pods: ResourceType; claims?: ResourceType }, graph: NodeGraph, logger: Logger): Promise<() => void> {
  const kinds = [types.pods, types.claims].filter((t): t is ResourceType => t !== undefined);
  return mirrorStore(store, kinds, { apply: (rt, value, deleted) => apply(graph, rt, value, deleted), forget: (rt, id) => forget(graph, rt, id) }, logger, "node graph");
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
