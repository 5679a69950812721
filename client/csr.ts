// A node client key and certificate request (client-go's util/certificate/csr), as the kubelet makes them for
// kubernetes.io/kube-apiserver-client-kubelet: subject CN=system:node:<name>, O=system:nodes, no
// SANs. The key is RSA 2048 (node:crypto makes it; node-forge, which writes the PKCS#10, signs
// with RSA keys only).
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { NODES_GROUP, nodeUser } from "../api/node-identity";

/** A new private key, PKCS#8 PEM. */
export function newPrivateKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

/** A PEM CSR for `subject`, signed by `keyPem` (RSA). */
export function makeCSR(keyPem: string, subject: { commonName: string; organizations?: string[] }): string {
  // forge reads PKCS#1 RSA keys; node:crypto converts whatever PEM it was given.
  const pkcs1 = createPrivateKey(keyPem).export({ type: "pkcs1", format: "pem" }) as string;
  const key = forge.pki.privateKeyFromPem(pkcs1);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: "commonName", value: subject.commonName }, ...(subject.organizations ?? []).map((o) => ({ name: "organizationName", value: o }))]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** The request the kubelet posts for its client certificate. */
export function nodeClientCSR(keyPem: string, node: string): string {
  return makeCSR(keyPem, { commonName: nodeUser(node), organizations: [NODES_GROUP] });
}
