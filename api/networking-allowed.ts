// Is traffic from A to B on a port allowed by the NetworkPolicies? The semantics of the
// Kubernetes documentation ("Network Policies"), as a pure function the enforcement can be
// compiled from and checked against:
// - a pod is isolated for ingress (egress) when a policy in its namespace selects it and lists
//   Ingress (Egress) in policyTypes; a pod not isolated in a direction allows everything there;
// - an isolated pod allows what at least one rule of the policies selecting it allows (union);
// - traffic needs the source's egress and the destination's ingress to allow it;
// - a rule without ports matches every port, without peers every peer; a peer is a podSelector
//   (the policy's namespace), a namespaceSelector (all pods there), both (those pods in those
//   namespaces), or an ipBlock (cidr minus except, matched against the peer's IP);
// - a port matches by protocol (TCP by default), number, number range (port..endPort), or name
//   (a container port of the destination pod with that name and protocol).
// Not modelled: the node-local exception (traffic from a pod's own node is always allowed).
import type { Namespace, Pod } from "./core";
import { selectorMatches } from "./label-selector";
import { cidrContainsIP, parseCIDR, parseIP } from "./net";
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "./networking";

/** One end of a connection: an IP, and the pod behind it when there is one. */
export interface TrafficEnd {
  ip: string;
  pod?: Pod;
}

export interface Traffic {
  from: TrafficEnd;
  to: TrafficEnd;
  port: number;
  protocol?: string;
}

export interface PolicyWorld {
  policies: readonly NetworkPolicy[];
  /** For namespaceSelector: the namespaces' labels (kubernetes.io/metadata.name is implied). */
  namespaces: readonly Namespace[];
}

export type DirectionVerdict = "not-isolated" | "allowed" | "denied";

export interface TrafficVerdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

function namespaceLabels(world: PolicyWorld, name: string): Record<string, string> {
  const ns = world.namespaces.find((n) => n.metadata.name === name);
  return { ...ns?.metadata.labels, [NAMESPACE_NAME_LABEL]: name };
}

function inIPBlock(block: NonNullable<NetworkPolicyPeer["ipBlock"]>, ipText: string): boolean {
  const ip = parseIP(ipText);
  const cidr = parseCIDR(block.cidr);
  if (!ip || !cidr || !cidrContainsIP(cidr, ip)) return false;
  return !(block.except ?? []).some((e) => {
    const except = parseCIDR(e);
    return except !== undefined && cidrContainsIP(except, ip);
  });
}

/** Does the peer (of a policy in policyNamespace) match this end of the connection? */
export function peerMatches(world: PolicyWorld, peer: NetworkPolicyPeer, policyNamespace: string, end: TrafficEnd): boolean {
  if (peer.ipBlock) return inIPBlock(peer.ipBlock, end.ip);
  const pod = end.pod;
  if (!pod || (!peer.podSelector && !peer.namespaceSelector)) return false;
  const podNs = pod.metadata.namespace ?? "default";
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabels(world, podNs)) : podNs === policyNamespace;
  return nsOk && (!peer.podSelector || selectorMatches(peer.podSelector, pod.metadata.labels));
}

/** Does the port entry match (port, protocol) towards destination pod `to`? */
export function portMatches(entry: NetworkPolicyPort, port: number, protocol: string, to: Pod | undefined): boolean {
  if ((entry.protocol ?? "TCP") !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "number") return entry.endPort === undefined ? port === entry.port : port >= entry.port && port <= entry.endPort;
  const named = entry.port;
  return (to?.spec?.containers ?? []).some((c) => (c.ports ?? []).some((p) => p.name === named && (p.protocol ?? "TCP") === protocol && p.containerPort === port));
}

type Direction = "Ingress" | "Egress";

/** policyTypes as the API defaults them (for policies not read back from the server). */
const policyTypesOf = (p: NetworkPolicy): string[] => (p.spec?.policyTypes?.length ? p.spec.policyTypes : p.spec?.egress?.length ? ["Ingress", "Egress"] : ["Ingress"]);

/** The verdict of the policies selecting `subject` in one direction, `peer` being the other end. */
function judge(world: PolicyWorld, direction: Direction, subject: TrafficEnd, peer: TrafficEnd, t: Traffic): DirectionVerdict {
  const pod = subject.pod;
  if (!pod) return "not-isolated";
  const ns = pod.metadata.namespace ?? "default";
  const selecting = world.policies.filter(
    (p) => (p.metadata.namespace ?? "default") === ns && policyTypesOf(p).includes(direction) && selectorMatches(p.spec?.podSelector ?? {}, pod.metadata.labels),
  );
  if (selecting.length === 0) return "not-isolated";
  const protocol = t.protocol ?? "TCP";
  const allowed = selecting.some((p) => {
    const rules = direction === "Ingress" ? (p.spec?.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from })) : (p.spec?.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }));
    return rules.some(
      (r) =>
        (!r.ports?.length || r.ports.some((e) => portMatches(e, t.port, protocol, t.to.pod))) &&
        (!r.peers?.length || r.peers.some((peerRule) => peerMatches(world, peerRule, ns, peer))),
    );
  });
  return allowed ? "allowed" : "denied";
}

/** Is the connection allowed: the source's egress and the destination's ingress both let it through. */
export function isTrafficAllowed(world: PolicyWorld, t: Traffic): TrafficVerdict {
  const egress = judge(world, "Egress", t.from, t.to, t);
  const ingress = judge(world, "Ingress", t.to, t.from, t);
  return { allowed: egress !== "denied" && ingress !== "denied", egress, ingress };
}
