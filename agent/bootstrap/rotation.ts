// Client certificate rotation, as the kubelet's certificate manager (client-go's
// util/certificate) does it: when 70 to 90 % (jittered) of the current certificate's lifetime has
// passed, the agent posts a new CertificateSigningRequest with that certificate as its credential
// (system:node:<name> may; the approver's selfnodeclient check approves it), keeps using the old
// one until the new one is issued, then writes it over kubelet-client-current.pem and switches
// every client of the process to it (./transport.ts) without a restart. A failed attempt is
// retried with back-off, still on the old certificate.
import { X509Certificate } from "node:crypto";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { connectionFromKubeconfig, readKubeconfig } from "../../client/kubeconfig";
import { RestClient } from "../../client/rest";
import { nodeUser } from "../../api/node-identity";
import { requestNodeCertificate } from "./bootstrap";
import { currentCertFile, usableCertificate, writeNodeCredentials } from "./kubeconfig";
import type { RotatingTransport } from "./transport";

/** client-go's nextRotationDeadline: notBefore + (70 % to 90 %, uniformly) of the lifetime. */
export function rotationDeadline(cert: { notBefore: Date; notAfter: Date }, random: () => number = Math.random): Date {
  const total = cert.notAfter.getTime() - cert.notBefore.getTime();
  return new Date(cert.notBefore.getTime() + total * (0.7 + 0.2 * random()));
}

/** Does the kubeconfig name the certificate file in certDir, the one rotation renews? */
export function rotatable(kubeconfig: string, certDir: string): boolean {
  try {
    return readKubeconfig(kubeconfig).options.certFile === resolve(currentCertFile(certDir));
  } catch {
    return false;
  }
}

export interface RotationOptions {
  nodeName: string;
  kubeconfig: string;
  certDir: string;
  transport: RotatingTransport;
  log: Logger;
  signal: AbortSignal;
  /** First wait after a failed attempt (default 2 s, doubling to 2 minutes). */
  retryMs?: number;
  random?: () => number;
}

const MAX_RETRY_MS = 120_000;
/** setTimeout's longest delay is 2^31-1 ms (24.8 days); a year's certificate waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs until `signal` aborts: waits for each certificate's deadline and replaces it. */
export async function rotateClientCertificate(o: RotationOptions): Promise<void> {
  const user = nodeUser(o.nodeName);
  let retryMs = o.retryMs ?? 2000;
  while (!o.signal.aborted) {
    // The node's certificate even when it has expired (judged as of the epoch): its deadline is then past.
    const current = usableCertificate(o.kubeconfig, user, new Date(0));
    if (!current) {
      o.log.warn({ kubeconfig: o.kubeconfig }, "no client certificate of the node to rotate");
      return;
    }
    const x509 = new X509Certificate(current.pem);
    const deadline = rotationDeadline({ notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo) }, o.random);
    o.log.info({ notAfter: current.notAfter.toISOString(), rotateAt: deadline.toISOString() }, "waiting to rotate the node's client certificate");
    while (!o.signal.aborted && Date.now() < deadline.getTime()) await wait(Math.min(deadline.getTime() - Date.now(), MAX_TIMER_MS), o.signal);
    if (o.signal.aborted) return;
    for (;;) {
      try {
        await rotateOnce(o, user);
        retryMs = o.retryMs ?? 2000;
        break;
      } catch (e) {
        if (o.signal.aborted) return;
        o.log.warn({ err: (e as Error).message, retryInMs: retryMs }, "could not rotate the node's client certificate; still using the current one");
        await wait(retryMs, o.signal);
        if (o.signal.aborted) return;
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }
}

async function rotateOnce(o: RotationOptions, user: string): Promise<void> {
  // The request goes out with the current certificate (the transport's), not a bootstrap token.
  const { certPem, keyPem } = await requestNodeCertificate(new RestClient(o.transport), { nodeName: o.nodeName, log: o.log, signal: o.signal });
  const server = readKubeconfig(o.kubeconfig).options;
  writeNodeCredentials({ kubeconfig: o.kubeconfig, certDir: o.certDir, user, server, certPem, keyPem });
  o.transport.use(connectionFromKubeconfig(o.kubeconfig));
  o.log.info({ notAfter: new Date(new X509Certificate(certPem).validTo).toISOString() }, "rotated the node's client certificate");
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    t.unref();
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
