// How lab workers get their identity: the kubelet TLS bootstrap, as kubeadm does it. `lab up`
// makes one short-lived bootstrap token (a Secret of type bootstrap.kubernetes.io/token, 1 hour)
// and a bootstrap kubeconfig that carries only it; each agent exchanges it for its own client
// certificate (system:node:<name> in system:nodes, signed by the lab's CA through a
// CertificateSigningRequest the controller manager approves) and writes its own kubeconfig. No
// per-node secret is made up front, and the token is worth nothing an hour later (the token
// cleaner removes it). A restarted agent reuses its certificate.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { bootstrapTokenSecret, generateBootstrapToken } from "../../api/bootstrap-token";
import { RestClient } from "../../client/rest";
import { secrets } from "../../client/resources";
import { privateDir, type CertificateAuthority } from "./access";


/** How long the lab's bootstrap token lasts: long enough for every worker of a `lab up` to start. */
export const LAB_BOOTSTRAP_TOKEN_TTL_MS = 3600_000;

/** The server flags of the bootstrap: bootstrap tokens authenticate, the lab's client CA signs node certificates. */
export function bootstrapServerArgs(ca: CertificateAuthority): string[] {
  return ["--enable-bootstrap-token-auth", "--cluster-signing-cert-file", ca.certFile, "--cluster-signing-key-file", ca.keyFile];
}

/** A new bootstrap token, stored as its Secret through the admin kubeconfig; returns the token. */
export async function createBootstrapToken(adminKubeconfig: string, ttlMs = LAB_BOOTSTRAP_TOKEN_TTL_MS): Promise<string> {
  const token = generateBootstrapToken();
  const secret = bootstrapTokenSecret(token, { ttlMs, description: "kubelab lab up: workers' TLS bootstrap" });
  await RestClient.fromKubeconfig(adminKubeconfig).create(secrets, secret.metadata.namespace, secret);
  return token;
}

/** The admin kubeconfig (server URL and CA) with `user` as its only user, written 0600. */
function writeKubeconfigAs(file: string, userName: string, user: Record<string, unknown>, adminKubeconfig: string): string {
  const config = parse(readFileSync(adminKubeconfig, "utf8")) as {
    users?: Array<{ name: string; user: Record<string, unknown> }>;
    contexts?: Array<{ name: string; context: { user?: string } }>;
  };
  config.users = [{ name: userName, user }];
  for (const c of config.contexts ?? []) c.context.user = userName;
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** <lab dir>/nodes/bootstrap.kubeconfig: what every agent starts from; it holds only the bootstrap token. */
export function writeBootstrapKubeconfig(dir: string, token: string, adminKubeconfig: string): string {
  const nodesDir = join(dir, "nodes");
  privateDir(nodesDir);
  return writeKubeconfigAs(join(nodesDir, "bootstrap.kubeconfig"), `system:bootstrap:${token.split(".")[0]}`, { token }, adminKubeconfig);
}

/** The agent's flags for its own identity: the kubelet's --bootstrap-kubeconfig, --kubeconfig, --cert-dir. */
export function nodeCredentialArgs(dir: string, node: string, bootstrapKubeconfig: string): string[] {
  const nodesDir = join(dir, "nodes");
  privateDir(nodesDir);
  return ["--bootstrap-kubeconfig", bootstrapKubeconfig, "--kubeconfig", join(nodesDir, `${node}.kubeconfig`), "--cert-dir", join(dir, "agents", node, "pki")];
}

/**
 * Labs made before the bootstrap minted a token per node into the server's token file: those
 * lines go (a node's identity is its certificate now), so an old token names nobody.
 */
export function dropNodeTokens(tokenFile: string): void {
  if (!existsSync(tokenFile)) return;
  const lines = readFileSync(tokenFile, "utf8").split(/\r?\n/);
  const kept = lines.filter((l) => !/^[^,]*,\s*system:node:/.test(l.trim()));
  if (kept.length === lines.length) return;
  writeFileSync(tokenFile, kept.join("\n"), { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
}

