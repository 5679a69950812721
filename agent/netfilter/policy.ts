// NetworkPolicies to nft objects for one node's pods. The semantics are api/networking-allowed.ts's
// (which policies select a pod, which peers and ports a rule admits); this module only compiles
// them into chains:
//   pod-ingress / pod-egress maps   <isolated pod IP> : jump pol-in-… / pol-out-…
//   pol-in-… / pol-out-…            one rule per (peer, port) variant of every rule of every policy
//                                   selecting the pod, each ending in `return` (allowed: on to the
//                                   other direction's check), then `drop`
// Peers: podSelector/namespaceSelector become the set of matching pod IPs (cluster-wide, now);
// ipBlock is the CIDR minus its except list. Ports: numbers and ranges per protocol; a named
// port is resolved on the destination pod (for ingress the isolated pod; for egress every pod
// with that port name, as address . port pairs). Pods on the host network are no peers here
// (their address is the node's). Pure.
import { createHash } from "node:crypto";
import type { Namespace, Pod } from "../../api/core";
import { cidrContainsIP, formatCIDR, parseCIDR, parseIP } from "../../api/net";
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "../../api/networking";
import { isTrafficAllowed, peerMatches, portMatches, type PolicyWorld } from "../../api/networking-allowed";
import type { NftObject, NodeFacts } from "./model";
import { compareStrings } from "../../api/order";

export interface PolicyObjects {
  /** pod-egress map elements: "<pod IP> : jump pol-out-…". */
  egress: string[];
  /** pod-ingress map elements: "<pod IP> : jump pol-in-…". */
  ingress: string[];
  chains: NftObject[];
}

export interface PolicyInput {
  node: NodeFacts;
  pods: readonly Pod[];
  namespaces: readonly Namespace[];
  policies: readonly NetworkPolicy[];
}

type Direction = "Ingress" | "Egress";
interface Peered {
  ip: string;
  pod: Pod;
}

const NOWHERE = "0.0.0.0";
const hash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 8).toUpperCase();

/** Does `policy` isolate `pod` in `direction`? Asked of the evaluator, so "which policies select a
 *  pod" (namespace, podSelector, defaulted policyTypes) has one definition. */
function selects(world: PolicyWorld, policy: NetworkPolicy, pod: Pod, direction: Direction): boolean {
  const me = { ip: NOWHERE, pod };
  const verdict = isTrafficAllowed({ ...world, policies: [policy] }, direction === "Ingress" ? { from: { ip: NOWHERE }, to: me, port: 0, protocol: "-" } : { from: me, to: { ip: NOWHERE }, port: 0, protocol: "-" });
  return (direction === "Ingress" ? verdict.ingress : verdict.egress) !== "not-isolated";
}

const ipOf = (p: Pod): string | undefined => (p.spec?.hostNetwork ? undefined : p.status?.podIP || undefined);
const live = (p: Pod): boolean => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && !p.metadata.deletionTimestamp;
const set = (items: string[]): string => (items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`);

/** Match strings for the peers of a rule ([""] = any peer); [] = the rule admits no one. */
function peerVariants(world: PolicyWorld, peers: readonly NetworkPolicyPeer[] | undefined, ns: string, field: "saddr" | "daddr", everyone: readonly Peered[]): string[] {
  if (!peers?.length) return [""];
  const out: string[] = [];
  const ips = new Set<string>();
  for (const peer of peers) {
    if (peer.ipBlock) {
      const cidr = parseCIDR(peer.ipBlock.cidr);
      if (!cidr || cidr.family !== 4) continue;
      const except = (peer.ipBlock.except ?? []).map(parseCIDR).filter((c) => c?.family === 4).map((c) => formatCIDR(c!));
      // One != per except: except blocks may overlap, which an anonymous set refuses.
      out.push([`ip ${field} ${formatCIDR(cidr)}`, ...except.map((x) => `ip ${field} != ${x}`)].join(" "));
    } else {
      for (const e of everyone) if (peerMatches(world, peer, ns, e)) ips.add(e.ip);
    }
  }
  if (ips.size) out.unshift(`ip ${field} ${set([...ips].sort())}`);
  return out;
}

/** Match strings for the ports of a rule ([""] = any port); [] = no port can match. */
function portVariants(entries: readonly NetworkPolicyPort[] | undefined, direction: Direction, subject: Peered, everyone: readonly Peered[]): string[] {
  if (!entries?.length) return [""];
  const numeric = new Map<string, Set<string>>();
  const anyPort = new Set<string>();
  const pairs = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);
  for (const e of entries) {
    const protocol = e.protocol ?? "TCP";
    const l4 = protocol.toLowerCase();
    if (e.port === undefined) anyPort.add(l4);
    else if (typeof e.port === "number") add(numeric, l4, e.endPort !== undefined ? `${e.port}-${e.endPort}` : String(e.port));
    else {
      // A named port: the container ports of the destination that portMatches admits.
      const destinations = direction === "Ingress" ? [subject] : everyone;
      for (const d of destinations) {
        for (const cp of (d.pod.spec?.containers ?? []).flatMap((c) => c.ports ?? [])) {
          if (!portMatches(e, cp.containerPort, protocol, d.pod)) continue;
          if (direction === "Ingress") add(numeric, l4, String(cp.containerPort));
          else add(pairs, l4, `${d.ip} . ${cp.containerPort}`);
        }
      }
    }
  }
  const out = [...anyPort].sort().map((l4) => `meta l4proto ${l4}`);
  for (const [l4, ports] of [...numeric].sort()) if (!anyPort.has(l4)) out.push(`meta l4proto ${l4} th dport ${set(mergeRanges([...ports]))}`);
  for (const [l4, ps] of [...pairs].sort()) if (!anyPort.has(l4)) out.push(`meta l4proto ${l4} ip daddr . th dport ${set([...ps].sort())}`);
  return out;
}

/** "80", "90-100", ... merged into disjoint ranges (an anonymous set refuses overlapping ones). */
function mergeRanges(ports: string[]): string[] {
  const ranges = ports.map((p) => p.split("-").map(Number)).map(([lo, hi]) => [lo!, hi ?? lo!] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([...r]);
  }
  return out.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`));
}

function podChain(world: PolicyWorld, pod: Peered, direction: Direction, selecting: NetworkPolicy[], everyone: readonly Peered[]): NftObject {
  const ns = pod.pod.metadata.namespace ?? "default";
  const items: string[] = [];
  for (const policy of selecting) {
    const rules = direction === "Ingress" ? (policy.spec?.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from })) : (policy.spec?.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }));
    for (const r of rules) {
      const peers = peerVariants(world, r.peers, ns, direction === "Ingress" ? "saddr" : "daddr", everyone);
      const ports = portVariants(r.ports, direction, pod, everyone);
      for (const peer of peers) for (const port of ports) items.push([peer, port, "return"].filter(Boolean).join(" "));
    }
  }
  items.push("drop");
  const id = `${direction === "Ingress" ? "in" : "out"}`;
  const podId = `${ns}/${pod.pod.metadata.name}`;
  return { kind: "chain", name: `pol-${id}-${hash(`${id} ${podId} ${pod.ip}`)}-${podId}`, spec: "", items: [...new Set(items)] };
}

/** The policy chains and maps for the node's pods (only isolated pods get a chain). */
export function compilePolicies(input: PolicyInput): PolicyObjects {
  const out: PolicyObjects = { egress: [], ingress: [], chains: [] };
  const world: PolicyWorld = { policies: input.policies, namespaces: input.namespaces };
  const podCIDR = parseCIDR(input.node.podCIDR);
  const everyone: Peered[] = [];
  for (const pod of input.pods) {
    const ip = ipOf(pod);
    if (ip && live(pod) && parseIP(ip)?.family === 4) everyone.push({ ip, pod });
  }
  const mine = everyone.filter((p) => podCIDR && cidrContainsIP(podCIDR, parseIP(p.ip)!)).sort((a, b) => compareStrings(a.ip, b.ip));
  const seen = new Set<string>();
  for (const p of mine) {
    if (seen.has(p.ip)) continue; // two pods claiming one IP (one is stale): the first only
    seen.add(p.ip);
    for (const direction of ["Egress", "Ingress"] as const) {
      const selecting = input.policies.filter((pol) => selects(world, pol, p.pod, direction));
      if (selecting.length === 0) continue;
      const chain = podChain(world, p, direction, selecting, everyone);
      out.chains.push(chain);
      (direction === "Ingress" ? out.ingress : out.egress).push(`${p.ip} : jump ${chain.name}`);
    }
  }
  return out;
}
