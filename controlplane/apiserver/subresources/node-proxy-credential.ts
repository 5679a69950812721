// The credential the API server presents to node agents (kube-apiserver's --kubelet-client-*):
// a bearer token the agents check with a TokenReview against this server, for the user
// kube-apiserver-kubelet-client, whom the default RBAC binds to system:kubelet-api-admin.
//
// With --kubelet-client-token-file every server of a cluster presents the same token (needed when
// agents ask another server than the one calling them); without, each process makes a random one.
// Either way the server's own token authenticator learns it, so that its TokenReview answers for
// it even when the server authenticates no one else (no --token-auth-file): agents stay closed to
// anyone but the server then, too.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TokenFile } from "../authn/token-file";
import type { UserInfo } from "../authn/user";
import { KUBELET_CLIENT_USER } from "../bootstrap/rbac-policy";

export { KUBELET_CLIENT_USER };

export interface NodeClientCredential {
  token: string;
}

/** The token from --kubelet-client-token-file (its first non-empty line), or a fresh random one. */
export function loadNodeClientCredential(tokenFile?: string): NodeClientCredential {
  if (!tokenFile) return { token: randomBytes(32).toString("base64url") };
  const token = readFileSync(tokenFile, "utf8").split(/\r?\n/).map((l) => l.trim()).find(Boolean);
  if (!token) throw new Error(`--kubelet-client-token-file ${tokenFile}: no token in it`);
  return { token };
}

/**
 * Makes `file` (the server's token authenticator; a new empty one when the server has none)
 * authenticate the credential as KUBELET_CLIENT_USER, looked up before the file's own tokens.
 */
export function withNodeClientToken(file: TokenFile | undefined, cred: NodeClientCredential): TokenFile {
  const base: TokenFile = file ?? { tokens: [], authenticateToken: () => undefined };
  const user: UserInfo = { name: KUBELET_CLIENT_USER, uid: KUBELET_CLIENT_USER, groups: ["system:authenticated"] };
  const fromFile = base.authenticateToken.bind(base);
  const own = digest(cred.token);
  base.authenticateToken = (token) => (timingSafeEqual(digest(token), own) ? user : fromFile(token));
  return base;
}

const digest = (token: string) => createHash("sha256").update(token).digest();
