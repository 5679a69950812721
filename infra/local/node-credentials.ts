// Each lab worker's own credential: a bearer token for the identity system:node:<name> in group
// system:nodes (what the Node authorizer and NodeRestriction judge), in the server's token file,
// and a kubeconfig per worker that carries only that token. So one worker's credential reads only
// what its own pods use and cannot rewrite another node, as on a real cluster. The scheme is "Kubernetes
// the Hard Way"'s (the admin mints every node's credential up front), with a token in place of a
// client certificate; no kubelet TLS bootstrap (bootstrap token, CSR) is involved.
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { privateDir } from "./access";

export const nodeUser = (node: string) => `system:node:${node}`;

/** The token of `node` in a token file, if it has one. */
function tokenOf(lines: string[], node: string): string | undefined {
  for (const line of lines) {
    const [token, user] = line.split(",").map((f) => f.trim());
    if (user === nodeUser(node) && token) return token;
  }
  return undefined;
}

/** Adds a line for every node the token file lacks (before the server reads it); returns each node's token. */
export function ensureNodeTokens(tokenFile: string, nodes: readonly string[]): Map<string, string> {
  const lines = readFileSync(tokenFile, "utf8").split(/\r?\n/);
  const tokens = new Map<string, string>();
  const added: string[] = [];
  for (const node of nodes) {
    let token = tokenOf(lines, node);
    if (!token) {
      token = randomBytes(32).toString("hex");
      added.push(`${token},${nodeUser(node)},node-${node},"system:nodes"`);
    }
    tokens.set(node, token);
  }
  if (added.length) {
    const text = readFileSync(tokenFile, "utf8");
    appendFileSync(tokenFile, (text.endsWith("\n") || text === "" ? "" : "\n") + added.join("\n") + "\n");
  }
  chmodSync(tokenFile, 0o600);
  return tokens;
}

/**
 * The worker's kubeconfig: the admin kubeconfig the server wrote (server URL and CA), with the
 * node's token as its only user. Written 0600 under <lab dir>/nodes/.
 */
export function writeNodeKubeconfig(dir: string, node: string, token: string, adminKubeconfig: string): string {
  const config = parse(readFileSync(adminKubeconfig, "utf8")) as {
    users?: Array<{ name: string; user: Record<string, unknown> }>;
    contexts?: Array<{ name: string; context: { user?: string } }>;
  };
  const user = nodeUser(node);
  config.users = [{ name: user, user: { token } }];
  for (const c of config.contexts ?? []) c.context.user = user;
  const nodesDir = join(dir, "nodes");
  privateDir(nodesDir);
  const file = join(nodesDir, `${node}.kubeconfig`);
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
