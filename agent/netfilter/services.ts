// Services to nft objects: kube-proxy's nftables mode, for one node. Per Service port:
//   cluster-ips map   ClusterIP . proto . port  -> goto svc-… (or svl-… with internalTrafficPolicy Local)
//   node-ports map    proto . nodePort          -> goto ext-… (NodePort and LoadBalancer Services)
//   svc-… / svl-…     all / this node's endpoints: session affinity first, then numgen random mod N
//   ext-…             externalTrafficPolicy: Cluster masquerades and goes to svc-…; Local sends pods'
//                     and the node's own traffic to svc-… (masqueraded from the node) and the rest
//                     to svl-… with the client's address kept
//   ep-…              one endpoint: hairpin mark when the client is the endpoint itself, affinity
//                     set update, DNAT
// A ClusterIP whose port has no endpoints is in no-endpoint-services (rejected by the filter chains).
// Pure: the same inputs give the same objects, in the same order.
import { createHash } from "node:crypto";
import type { Service, ServicePort } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import { backendsFor, serviceKey, slicesByService, type Backend } from "./backends";
import type { NftObject, NodeFacts } from "./model";

/** kube-proxy's masquerade bit. */
export const MASQ_MARK = "0x00004000";
const MARK_MASQ = `meta mark set meta mark | ${MASQ_MARK}`;
const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServiceInput {
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  node: NodeFacts;
}

/** The service-proxy part of the table: maps and per-service chains (base chains are in ruleset.ts). */
export interface ServiceObjects {
  clusterIPs: string[];
  nodePorts: string[];
  noEndpoints: string[];
  chains: NftObject[];
  sets: NftObject[];
}

const hash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 8).toUpperCase();
const proto = (p: ServicePort): string => (p.protocol ?? "TCP").toLowerCase();

function portId(svc: Service, p: ServicePort): string {
  return `${svc.metadata.namespace ?? "default"}/${svc.metadata.name}/${proto(p)}/${p.name || p.port}`;
}

const chainName = (prefix: string, id: string): string => `${prefix}-${hash(`${prefix} ${id}`)}-${id}`;

function affinitySeconds(svc: Service): number | undefined {
  if (svc.spec?.sessionAffinity !== "ClientIP") return undefined;
  return svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
}

/** ep-… chains (and their affinity sets) for the backends; returns their names in order. */
function endpointChains(out: ServiceObjects, id: string, p: ServicePort, backends: Backend[], affinity: number | undefined): string[] {
  return backends.map((b) => {
    const epId = `${id}__${b.ip}/${b.port}`;
    const name = chainName("ep", epId);
    const items = [`ip saddr ${b.ip} ${MARK_MASQ}`];
    if (affinity !== undefined) {
      const set = chainName("aff", `${epId}/${affinity}s`);
      out.sets.push({ kind: "set", name: set, spec: `type ipv4_addr; flags dynamic,timeout; timeout ${affinity}s;`, items: [], kernelFilled: true });
      items.push(`update @${set} { ip saddr }`);
    }
    items.push(`meta l4proto ${proto(p)} dnat to ${b.ip}:${b.port}`);
    out.chains.push({ kind: "chain", name, spec: "", items });
    return name;
  });
}

/** A chain balancing over the endpoint chains (affinity first); `drop` when there are none. */
function balanceChain(name: string, endpoints: string[], affinity: number | undefined, id: string, backends: Backend[]): NftObject {
  const items: string[] = [];
  if (endpoints.length === 0) items.push("drop");
  else {
    if (affinity !== undefined) {
      endpoints.forEach((ep, i) => items.push(`ip saddr @${chainName("aff", `${id}__${backends[i]!.ip}/${backends[i]!.port}/${affinity}s`)} goto ${ep}`));
    }
    items.push(endpoints.length === 1 ? `goto ${endpoints[0]}` : `numgen random mod ${endpoints.length} vmap { ${endpoints.map((ep, i) => `${i} : goto ${ep}`).join(", ")} }`);
  }
  return { kind: "chain", name, spec: "", items };
}

function servicePort(out: ServiceObjects, svc: Service, p: ServicePort, slices: readonly EndpointSlice[], node: NodeFacts): void {
  const id = portId(svc, p);
  const all = backendsFor(p, slices);
  const local = all.filter((b) => b.nodeName === node.nodeName);
  const affinity = affinitySeconds(svc);
  const allChains = endpointChains(out, id, p, all, affinity);
  const localChains = allChains.filter((_, i) => all[i]!.nodeName === node.nodeName);
  const svcChain = chainName("svc", id);
  const svlChain = chainName("svl", id);
  const internalLocal = svc.spec?.internalTrafficPolicy === "Local";
  const type = svc.spec?.type ?? "ClusterIP";
  const external = (type === "NodePort" || type === "LoadBalancer") && p.nodePort !== undefined;
  const externalLocal = external && svc.spec?.externalTrafficPolicy === "Local";
  if (all.length > 0) out.chains.push(balanceChain(svcChain, allChains, affinity, id, all));
  if ((internalLocal || externalLocal) && all.length > 0) out.chains.push(balanceChain(svlChain, localChains, affinity, id, local));

  const clusterIP = svc.spec?.clusterIP;
  const dest = (ip: string) => `${ip} . ${proto(p)} . ${p.port}`;
  if (all.length === 0) out.noEndpoints.push(dest(clusterIP!));
  else out.clusterIPs.push(`${dest(clusterIP!)} : goto ${internalLocal ? svlChain : svcChain}`);
  if (!external || all.length === 0) return;
  const ext = chainName("ext", id);
  const items = externalLocal
    ? [`ip saddr ${node.podCIDR} goto ${svcChain}`, `fib saddr type local ${MARK_MASQ} goto ${svcChain}`, `goto ${svlChain}`]
    : [MARK_MASQ, `goto ${svcChain}`];
  out.chains.push({ kind: "chain", name: ext, spec: "", items });
  out.nodePorts.push(`${proto(p)} . ${p.nodePort} : goto ${ext}`);
  for (const lb of svc.status?.loadBalancer?.ingress ?? []) if (lb.ip) out.clusterIPs.push(`${dest(lb.ip)} : goto ${ext}`);
}

const proxied = (svc: Service): boolean => {
  const ip = svc.spec?.clusterIP;
  return Boolean(ip && ip !== "None" && /^\d+\.\d+\.\d+\.\d+$/.test(ip) && svc.spec?.type !== "ExternalName");
};

/**
 * The last render of each Service, reused while the Service, its slices and the node are the same
 * objects (informers hand out a new object per change): with 1,000 Services an endpoint change
 * re-renders one of them instead of all 11,000 chains.
 */
export class ServiceRenderCache {
  private entries = new Map<string, { svc: Service; slices: readonly EndpointSlice[]; node: string; out: ServiceObjects }>();
  private seen = new Map<string, { svc: Service; slices: readonly EndpointSlice[]; node: string; out: ServiceObjects }>();

  get(key: string, svc: Service, slices: readonly EndpointSlice[], node: string): ServiceObjects | undefined {
    const e = this.entries.get(key);
    const hit = e && e.svc === svc && e.node === node && e.slices.length === slices.length && e.slices.every((x, i) => x === slices[i]) ? e.out : undefined;
    return hit;
  }
  put(key: string, svc: Service, slices: readonly EndpointSlice[], node: string, out: ServiceObjects): void {
    this.seen.set(key, { svc, slices, node, out });
  }
  /** End of a render: what was not rendered this time is forgotten. */
  done(): void {
    this.entries = this.seen;
    this.seen = new Map();
  }
}

const empty = (): ServiceObjects => ({ clusterIPs: [], nodePorts: [], noEndpoints: [], chains: [], sets: [] });

/** Every Service port with a ClusterIP, as the maps' elements and the chains they go to. */
export function serviceObjects(input: ServiceInput, cache?: ServiceRenderCache): ServiceObjects {
  const out = empty();
  const byService = slicesByService(input.slices);
  const nodeKey = JSON.stringify(input.node);
  const services = input.services.filter(proxied).map((svc) => ({ svc, key: serviceKey(svc) }));
  services.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { svc, key } of services) {
    const slices = byService.get(key) ?? [];
    let part = cache?.get(key, svc, slices, nodeKey);
    if (!part) {
      part = empty();
      for (const p of svc.spec?.ports ?? []) {
        if (["TCP", "UDP", "SCTP"].includes(p.protocol ?? "TCP")) servicePort(part, svc, p, slices, input.node);
      }
    }
    cache?.put(key, svc, slices, nodeKey, part);
    for (const k of ["clusterIPs", "nodePorts", "noEndpoints", "chains", "sets"] as const) for (const x of part[k]) (out[k] as unknown[]).push(x);
  }
  cache?.done();
  return out;
}
