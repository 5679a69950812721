// NetworkPolicy defaults and validation as pkg/apis/networking (SetDefaults_NetworkPolicy,
// ValidateNetworkPolicy): policyTypes, peers, ipBlock with except strictly inside cidr, ports
// with endPort only after a numeric port.
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "./networking";
import { cidrContainsCIDR, parseCIDR } from "./net";
import type { FieldCause } from "./resource";
import { fieldError, isValidPortName, isValidPortNum, validateLabelSelector } from "./validation";

const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const POLICY_TYPES = ["Ingress", "Egress"];
const BAD_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/** Protocol TCP on every port; policyTypes Ingress, plus Egress when there are egress rules. */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  np.spec ??= { podSelector: {} };
  const spec = np.spec;
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const port of rule.ports ?? []) port.protocol ??= "TCP";
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
}

export function validateNetworkPolicyPort(port: NetworkPolicyPort, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) out.push(fieldError.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  if (port.port === undefined) {
    if (port.endPort !== undefined) out.push(fieldError.invalid(`${path}.endPort`, port.endPort, "may not be specified when `port` is not specified"));
  } else if (typeof port.port === "number") {
    for (const e of isValidPortNum(port.port)) out.push(fieldError.invalid(`${path}.port`, port.port, e));
    if (port.endPort !== undefined) {
      if (port.endPort < port.port) out.push(fieldError.invalid(`${path}.endPort`, port.port, "must be greater than or equal to `port`"));
      for (const e of isValidPortNum(port.endPort)) out.push(fieldError.invalid(`${path}.endPort`, port.endPort, e));
    }
  } else {
    if (port.endPort !== undefined) out.push(fieldError.invalid(`${path}.endPort`, port.endPort, "may not be specified when `port` is non-numeric"));
    for (const e of isValidPortName(port.port)) out.push(fieldError.invalid(`${path}.port`, port.port, e));
  }
  return out;
}

export function validateIPBlock(block: IPBlock, path: string): FieldCause[] {
  if (!block.cidr) return [fieldError.required(`${path}.cidr`)];
  const cidr = parseCIDR(block.cidr);
  if (!cidr) return [fieldError.invalid(`${path}.cidr`, block.cidr, BAD_CIDR)];
  const out: FieldCause[] = [];
  (block.except ?? []).forEach((text, i) => {
    const except = parseCIDR(text);
    if (!except) {
      out.push(fieldError.invalid(`${path}.except[${i}]`, text, BAD_CIDR));
      return;
    }
    if (!cidrContainsCIDR(cidr, except) || except.prefix <= cidr.prefix) out.push(fieldError.invalid(`${path}.except[${i}]`, text, "must be a strict subset of `cidr`"));
  });
  return out;
}

export function validateNetworkPolicyPeer(peer: NetworkPolicyPeer, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  let peers = 0;
  if (peer.podSelector) {
    peers++;
    out.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (peer.namespaceSelector) {
    peers++;
    out.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    peers++;
    out.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) out.push(fieldError.required(path, "must specify a peer"));
  else if (peers > 1 && peer.ipBlock) out.push(fieldError.forbidden(path, "may not specify both ipBlock and another peer"));
  return out;
}

export function validateNetworkPolicy(np: NetworkPolicy): FieldCause[] {
  const spec = np.spec;
  if (!spec) return [];
  const out = validateLabelSelector(spec.podSelector, "spec.podSelector");
  const rules = (kind: "ingress" | "egress", peerField: "from" | "to") =>
    (spec[kind] ?? []).forEach((rule, i) => {
      (rule.ports ?? []).forEach((p, j) => out.push(...validateNetworkPolicyPort(p, `spec.${kind}[${i}].ports[${j}]`)));
      const peers = (rule as Record<string, NetworkPolicyPeer[] | undefined>)[peerField] ?? [];
      peers.forEach((peer, j) => out.push(...validateNetworkPolicyPeer(peer, `spec.${kind}[${i}].${peerField}[${j}]`)));
    });
  rules("ingress", "from");
  rules("egress", "to");
  const types = spec.policyTypes ?? [];
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) out.push(fieldError.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  if (types.length > POLICY_TYPES.length) out.push(fieldError.invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
  return out;
}
