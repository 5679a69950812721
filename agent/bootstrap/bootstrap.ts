// The kubelet's TLS bootstrap (--bootstrap-kubeconfig with --kubeconfig): when the kubeconfig has
// no usable client certificate for system:node:<name>, the agent makes a key, posts a
// CertificateSigningRequest for kubernetes.io/kube-apiserver-client-kubelet with the bootstrap
// token, waits until the control plane has approved and signed it, and writes its own kubeconfig
// (certificate and key 0600). From then on it is system:node:<name> by x509, which the Node
// authorizer and NodeRestriction judge; a restart reuses the certificate.
import type { Logger } from "pino";
import type { CertificateSigningRequest } from "../../api/certificates";
import { hasCondition, KUBE_APISERVER_CLIENT_KUBELET } from "../../api/certificates-signers";
import { ConnectionError } from "../../client/errors";
import { readKubeconfig } from "../../client/kubeconfig";
import { RestClient } from "../../client/rest";
import type { ResourceRef } from "../../client/resources";
import { nodeUser } from "../../api/node-identity";
import { usableCertificate, writeNodeCredentials } from "./kubeconfig";

const csrs: ResourceRef = { group: "certificates.k8s.io", version: "v1", plural: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false };
const USAGES = ["digital signature", "key encipherment", "client auth"];

export interface BootstrapOptions {
  nodeName: string;
  kubeconfig: string;
  bootstrapKubeconfig: string;
  /** Where the certificate and key live (the kubelet's --cert-dir). */
  certDir: string;
  log: Logger;
  signal?: AbortSignal;
  /** How long to wait for the certificate (default 15 minutes, as the kubelet's bootstrap). */
  timeoutMs?: number;
  /** How often the request is looked at (default 1 s). */
  pollMs?: number;
}

/** Makes sure `kubeconfig` carries a usable certificate of the node; bootstraps one if not. Returns when it does. */
export async function ensureNodeCertificate(o: BootstrapOptions): Promise<void> {
  const user = nodeUser(o.nodeName);
  const current = usableCertificate(o.kubeconfig, user, new Date());
  if (current) {
    o.log.info({ notAfter: current.notAfter.toISOString() }, "using the node's client certificate");
    return;
  }
  const server = readKubeconfig(o.bootstrapKubeconfig).options;
  const { certPem, keyPem } = await requestNodeCertificate(new RestClient(server), o);
  writeNodeCredentials({ kubeconfig: o.kubeconfig, certDir: o.certDir, user, server, certPem, keyPem });
  o.log.info({ kubeconfig: o.kubeconfig }, "wrote the node's client certificate");
}

export type CertificateRequestOptions = Pick<BootstrapOptions, "nodeName" | "log" | "signal" | "timeoutMs" | "pollMs">;

/**
 * A new key and a kubelet client certificate for it: posts the CertificateSigningRequest with
 * `client`'s credential (the bootstrap token, or the node's current certificate when it renews)
 * and waits until it is approved and signed.
 */
export async function requestNodeCertificate(client: RestClient, o: CertificateRequestOptions): Promise<{ certPem: string; keyPem: string }> {
  // node-forge writes the request: loaded only when a certificate is asked for, not by every start.
  const { newPrivateKey, nodeClientCSR } = await import("../../client/csr");
  const keyPem = newPrivateKey();
  const body: CertificateSigningRequest = {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { generateName: "node-csr-" },
    spec: { request: Buffer.from(nodeClientCSR(keyPem, o.nodeName)).toString("base64"), signerName: KUBE_APISERVER_CLIENT_KUBELET, usages: USAGES },
  };
  const created = await retry(() => client.create(csrs, undefined, body, { signal: o.signal }), o);
  const name = created.metadata.name!;
  o.log.info({ csr: name }, "posted a certificate signing request; waiting for it to be approved and signed");
  return { certPem: await waitForCertificate(client, name, o), keyPem };
}

async function waitForCertificate(client: RestClient, name: string, o: CertificateRequestOptions): Promise<string> {
  const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
  for (;;) {
    const csr = await retry(() => client.get<CertificateSigningRequest>(csrs, undefined, name, { signal: o.signal }), o);
    if (hasCondition(csr, "Denied") || hasCondition(csr, "Failed")) {
      const c = csr.status!.conditions!.find((x) => x.type === "Denied" || x.type === "Failed")!;
      throw new Error(`certificate signing request ${name} was ${c.type === "Denied" ? "denied" : "not signed"}: ${c.reason ?? ""} ${c.message ?? ""}`.trim());
    }
    if (csr.status?.certificate) return Buffer.from(csr.status.certificate, "base64").toString("utf8");
    if (Date.now() > deadline) throw new Error(`timed out waiting for certificate signing request ${name} to be approved and signed`);
    await sleep(o.pollMs ?? 1000, o.signal);
  }
}

/** Calls `call` until it succeeds, backing off 1 s to 30 s while the API server is away; an HTTP error is final. */
async function retry<T>(call: () => Promise<T>, o: CertificateRequestOptions): Promise<T> {
  let delay = 1000;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof ConnectionError) || o.signal?.aborted) throw e;
      o.log.warn({ err: (e as Error).message }, "API server not reachable; retrying");
      await sleep(delay, o.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
