// Writes the kubeconfig `kubelab server --write-kubeconfig FILE` hands to kubectl and clients.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";

export interface KubeconfigInput {
  server: string;
  token?: string;
  caFile?: string;
  name?: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? "kubelab";
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.caFile) cluster["certificate-authority-data"] = readFileSync(input.caFile).toString("base64");
  // Plain HTTP (the lab on loopback) has no TLS to verify; @kubernetes/client-node refuses
  // http:// servers unless this is said explicitly, kubectl does not mind either way.
  if (input.server.startsWith("http://")) cluster["insecure-skip-tls-verify"] = true;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user: input.token ? { token: input.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
    preferences: {},
  });
}

/**
 * Write the kubeconfig (it may hold a bearer token): a folder this creates is 0700, the file is
 * 0600 even when one was there before (written beside it, then renamed over it, so no reader sees
 * a half-written file or the old permissions).
 */
export function writeKubeconfig(file: string, input: KubeconfigInput): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, renderKubeconfig(input), { mode: 0o600 });
  renameSync(tmp, file);
}
