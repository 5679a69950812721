// The request authenticator: Kubernetes' union of authenticators, first that succeeds wins.
// Client certificate first, then the bearer token: the static token file, bootstrap tokens,
// then ServiceAccount JWTs. A request with no credentials is "nobody" (the filter decides whether that may pass); a
// bearer token that no authenticator accepts is an error, never anonymous.
import type { IncomingMessage } from "node:http";
import type { BootstrapTokenAuthenticator } from "./bootstrap-token";
import type { ServiceAccountTokenAuthenticator } from "./serviceaccount/tokens";
import type { TokenFile } from "./token-file";
import type { UserInfo } from "./user";
import { authenticateClientCertificate } from "./x509";

/** undefined: no credentials; a user; or why the credentials were refused. */
export type AuthOutcome = UserInfo | { error: string } | undefined;

export interface RequestAuthenticators {
  clientCertificates: boolean;
  tokenFile?: TokenFile;
  bootstrapTokens?: BootstrapTokenAuthenticator;
  serviceAccounts?: ServiceAccountTokenAuthenticator;
}

export type RequestAuthenticator = (req: IncomingMessage) => AuthOutcome | Promise<AuthOutcome>;

export function unionAuthenticator(a: RequestAuthenticators): RequestAuthenticator {
  return (req) => {
    if (a.clientCertificates) {
      const user = authenticateClientCertificate(req);
      if (user) return user;
    }
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) return undefined;
    if (token === "") return { error: "invalid bearer token" };
    const fromFile = a.tokenFile?.authenticateToken(token);
    if (fromFile) return fromFile;
    const bootstrap = a.bootstrapTokens?.authenticateToken(token);
    if (bootstrap) return bootstrap.then((r) => r ?? { error: "invalid bearer token" });
    const sa = a.serviceAccounts?.authenticateToken(token);
    if (sa) return sa.then((r) => ("user" in r ? r.user : r));
    return { error: "invalid bearer token" };
  };
}

/** The token of "Authorization: Bearer <token>"; undefined without one (Basic or nothing). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space).toLowerCase() !== "bearer") return undefined;
  return header.slice(space + 1).trim();
}
