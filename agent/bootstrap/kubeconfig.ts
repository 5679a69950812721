// The kubeconfigs of the TLS bootstrap: the bootstrap kubeconfig (server, CA, bootstrap token) is
// read; the node's own kubeconfig is written to point at the certificate file, as the kubelet
// writes /var/lib/kubelet/kubeconfig for /var/lib/kubelet/pki/kubelet-client-current.pem. Pure
// except for reading and writing the files named.
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { readKubeconfig, type ConnectionOptions } from "../../client/kubeconfig";

/** The file that holds the node's current certificate and key (PEM, 0600). */
export const currentCertFile = (certDir: string) => join(certDir, "kubelet-client-current.pem");

/** A client certificate that is not expired and names `user`; why not, otherwise. */
export function certificateProblem(pem: string, user: string, now: Date): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    return `not a certificate: ${(e as Error).message}`;
  }
  if (new Date(cert.validTo) <= now) return `expired at ${new Date(cert.validTo).toISOString()}`;
  if (!cert.subject.split("\n").includes(`CN=${user}`)) return `issued to ${cert.subject.replace(/\n/g, ", ")}, not ${user}`;
  return undefined;
}

/** The kubeconfig's current client certificate when it is usable by `user`; undefined otherwise. */
export function usableCertificate(kubeconfig: string, user: string, now: Date): { pem: string; notAfter: Date } | undefined {
  if (!existsSync(kubeconfig)) return undefined;
  let o: ConnectionOptions;
  try {
    o = readKubeconfig(kubeconfig).options;
  } catch {
    return undefined;
  }
  const pem = o.certData ? Buffer.from(o.certData, "base64").toString("utf8") : o.certFile && existsSync(o.certFile) ? readFileSync(o.certFile, "utf8") : undefined;
  if (!pem || certificateProblem(pem, user, now)) return undefined;
  return { pem, notAfter: new Date(new X509Certificate(pem).validTo) };
}

/** Writes the certificate and key (one PEM file, 0600, replaced atomically) and the kubeconfig naming it. */
export function writeNodeCredentials(opts: { kubeconfig: string; certDir: string; user: string; server: ConnectionOptions; certPem: string; keyPem: string }): void {
  mkdirSync(opts.certDir, { recursive: true, mode: 0o700 });
  const file = currentCertFile(opts.certDir);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, opts.certPem.trimEnd() + "\n" + opts.keyPem.trimEnd() + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  const ca = opts.server.caData ?? (opts.server.caFile ? readFileSync(opts.server.caFile, "utf8") : undefined);
  const cluster: Record<string, unknown> = { server: opts.server.server };
  if (ca) cluster["certificate-authority-data"] = ca.includes("-----BEGIN") ? Buffer.from(ca).toString("base64") : ca;
  if (opts.server.insecureSkipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "default-cluster", cluster }],
    users: [{ name: "default-auth", user: { "client-certificate": file, "client-key": file } }],
    contexts: [{ name: "default-context", context: { cluster: "default-cluster", user: "default-auth" } }],
    "current-context": "default-context",
  };
  mkdirSync(dirname(opts.kubeconfig), { recursive: true });
  writeFileSync(opts.kubeconfig, stringify(config), { mode: 0o600 });
  chmodSync(opts.kubeconfig, 0o600);
}
