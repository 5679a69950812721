// One node's whole table: the base chains (hooked into netfilter, matching only this node's pods
// and addresses, so several nodes' tables can share one host), the Service maps and chains of
// services.ts and the NetworkPolicy chains of policy.ts. Pure.
//
// Hooks (each one priority before the usual: -101, 99, -1; so our NAT is decided before Docker's):
//   nat prerouting   this node's pods to a ClusterIP (cluster-ips); anyone to a NodePort on the
//                    node's address or its pod-network gateway (node-ports)
//   nat output       the node's own processes to <node address>:<nodePort> (the lab's 127.0.0.N)
//   nat postrouting  masquerade what the chains marked (hairpin, NodePorts, the node's own traffic)
//   filter forward   established/related first; this node's pods to a ClusterIP without
//                    endpoints: reject; then the policies: egress of this node's pods, ingress to them
//   filter input     established/related first; egress of this node's pods to the node itself (DNS)
import type { NftObject, NodeFacts, Ruleset } from "./model";
import { tableName } from "./model";
import type { PolicyObjects } from "./policy";
import { MASQ_MARK, serviceObjects, type ServiceInput, type ServiceRenderCache } from "./services";

export interface RulesetInput extends ServiceInput {
  /** The NetworkPolicy part (policy.ts); none: no pod of this node is isolated. */
  policy?: PolicyObjects;
  /** Reuses the unchanged Services' part of the last render (the Proxier keeps one). */
  cache?: ServiceRenderCache;
}

const base = (name: string, spec: string, items: string[]): NftObject => ({ kind: "chain", name, spec, items });

function baseChains(node: NodeFacts, policy: PolicyObjects | undefined): NftObject[] {
  const pods = node.podCIDR;
  const toPort = "meta l4proto . th dport";
  const established = "ct state established,related accept";
  const egress = policy?.egress.length ? ["ip saddr vmap @pod-egress"] : [];
  const ingress = policy?.ingress.length ? ["ip daddr vmap @pod-ingress"] : [];
  return [
    base("nat-prerouting", "type nat hook prerouting priority -101; policy accept;", [
      `ip saddr ${pods} ip daddr . ${toPort} vmap @cluster-ips`,
      `ip daddr { ${node.address}, ${node.gateway} } ${toPort} vmap @node-ports`,
    ]),
    base("nat-output", "type nat hook output priority -101; policy accept;", [`ip daddr ${node.address} ${toPort} vmap @node-ports`]),
    base("nat-postrouting", "type nat hook postrouting priority 99; policy accept;", [`meta mark & ${MASQ_MARK} == ${MASQ_MARK} masquerade`]),
    base("filter-forward", "type filter hook forward priority -1; policy accept;", [
      established,
      `ip saddr ${pods} ip daddr . ${toPort} @no-endpoint-services reject`,
      ...egress,
      ...ingress,
    ]),
    base("filter-input", "type filter hook input priority -1; policy accept;", [established, ...egress]),
  ];
}

/** The node's table. Order matters to nft: sets, then chains (each after those it jumps to), then
 *  the verdict maps (whose elements name chains), then the base chains that use the maps. */
export function renderRuleset(input: RulesetInput): Ruleset {
  const svc = serviceObjects(input, input.cache);
  const policy = input.policy;
  const maps: NftObject[] = [
    { kind: "map", name: "cluster-ips", spec: "type ipv4_addr . inet_proto . inet_service : verdict;", items: svc.clusterIPs },
    { kind: "map", name: "node-ports", spec: "type inet_proto . inet_service : verdict;", items: svc.nodePorts },
  ];
  if (policy?.egress.length) maps.push({ kind: "map", name: "pod-egress", spec: "type ipv4_addr : verdict;", items: policy.egress });
  if (policy?.ingress.length) maps.push({ kind: "map", name: "pod-ingress", spec: "type ipv4_addr : verdict;", items: policy.ingress });
  return {
    table: tableName(input.node.nodeName),
    objects: [
      ...svc.sets,
      { kind: "set", name: "no-endpoint-services", spec: "type ipv4_addr . inet_proto . inet_service;", items: svc.noEndpoints },
      ...svc.chains,
      ...(policy?.chains ?? []),
      ...maps,
      ...baseChains(input.node, policy),
    ],
  };
}
