// What a kubelet client certificate request looks like (Kubernetes' ValidateKubeletClientCSR):
// subject CN=system:node:<name>, O=system:nodes and nothing else, no subjectAltNames, and the
// usages a TLS client key needs. Pure: the approver and the signer both ask it.
import type { ParsedCSR } from "../../../api/certificates-csr";
import { NODES_GROUP, NODE_USER_PREFIX as NODE_PREFIX } from "../../../api/node-identity";

const ALLOWED_USAGES = new Set(["digital signature", "key encipherment", "client auth"]);

/** Why `csr` is not a kubelet client certificate request; undefined when it is one. */
export function kubeletClientProblem(csr: ParsedCSR, usages: readonly string[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== NODES_GROUP) return `subject organization is not ${NODES_GROUP}`;
  if (csr.dnsNames.length) return "DNS subjectAltNames are not allowed";
  if (csr.emailAddresses.length) return "Email subjectAltNames are not allowed";
  if (csr.ipAddresses.length) return "IP subjectAltNames are not allowed";
  if (csr.uris.length) return "URI subjectAltNames are not allowed";
  if (!csr.commonName?.startsWith(NODE_PREFIX) || csr.commonName === NODE_PREFIX) return `subject common name does not begin with ${NODE_PREFIX}`;
  const extra = usages.filter((u) => !ALLOWED_USAGES.has(u));
  if (extra.length || !usages.includes("client auth")) return `usages did not match [client auth digital signature key encipherment]: ${JSON.stringify(usages)}`;
  return undefined;
}
