// For tests and the bench: memory stand-ins for informers and small builders of the objects the
// rules are rendered from.
import type { Namespace, Pod, Service } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import type { NetworkPolicy, NetworkPolicySpec } from "../../api/networking";
import type { EventHandlers } from "../../client/informer";
import type { Watched } from "./proxier";

type Named = { metadata: { namespace?: string; name?: string } };
const keyOf = (o: Named) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** A synced informer over a memory list; set/remove call the handlers as an informer would. */
export class MemoryWatched<T extends Named> implements Watched<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers = new Set<EventHandlers<T>>();

  constructor(items: T[] = []) {
    for (const i of items) this.items.set(keyOf(i), i);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  hasSynced(): boolean {
    return true;
  }
  addEventHandler(h: EventHandlers<T>): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  set(obj: T): void {
    const old = this.items.get(keyOf(obj));
    this.items.set(keyOf(obj), obj);
    for (const h of this.handlers) old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj);
  }
  remove(obj: T): void {
    if (!this.items.delete(keyOf(obj))) return;
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}

export function service(ns: string, name: string, spec: Service["spec"]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec };
}

export interface EndpointArg {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

/** One slice of `svc` (name `${svc}-${suffix}`) with these endpoints and ports. */
export function slice(ns: string, svc: string, endpoints: EndpointArg[], ports: Array<{ name?: string; port: number; protocol?: string }>, suffix = "a"): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace: ns, name: `${svc}-${suffix}`, labels: { "kubernetes.io/service-name": svc } },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.node ? { nodeName: e.node } : {}),
      conditions: { ready: e.ready ?? true, ...(e.serving !== undefined ? { serving: e.serving } : {}), ...(e.terminating !== undefined ? { terminating: e.terminating } : {}) },
    })),
    ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? "TCP" })),
  };
}

export function pod(ns: string, name: string, ip: string, node: string, labels: Record<string, string> = {}, ports: Array<{ name: string; containerPort: number; protocol?: string }> = []): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: node, containers: [{ name: "c", image: "x", ...(ports.length ? { ports } : {}) }] },
    status: { phase: "Running", podIP: ip },
  } as Pod;
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } };
}

export function policy(ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { namespace: ns, name }, spec };
}
