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

/** Every Service port with a ClusterIP, as the maps' elements and the chains they go to. */
export function serviceObjects(input: ServiceInput): ServiceObjects {
  const out: ServiceObjects = { clusterIPs: [], nodePorts: [], noEndpoints: [], chains: [], sets: [] };
  const byService = slicesByService(input.slices);
  const services = input.services.filter(proxied).sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  for (const svc of services) {
    for (const p of svc.spec?.ports ?? []) {
      if (!["TCP", "UDP", "SCTP"].includes(p.protocol ?? "TCP")) continue;
      servicePort(out, svc, p, byService.get(serviceKey(svc)) ?? [], input.node);
    }
  }
  return out;
}
