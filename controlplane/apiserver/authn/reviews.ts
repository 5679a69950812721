// SelfSubjectReview (`kubectl auth whoami`: who the server thinks the caller is) and TokenReview
// (is this token valid, and for whom), as authentication.k8s.io/v1 answers them. Pure apart from
// the token authenticators TokenReview asks.
import type { TokenReview, UserInfo as ApiUserInfo } from "../../../api/authentication";
import { rfc3339 } from "../../../api/time";
import type { ServiceAccountTokenAuthenticator } from "./serviceaccount/tokens";
import type { TokenFile } from "./token-file";
import { withAuthenticatedGroup, type UserInfo } from "./user";

export function apiUserInfo(u: UserInfo): ApiUserInfo {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

export function selfSubjectReview(user: UserInfo, now = Date.now()) {
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "SelfSubjectReview",
    metadata: { creationTimestamp: rfc3339(now) },
    status: { userInfo: apiUserInfo(user) },
  };
}

export interface TokenAuthenticators {
  tokenFile?: TokenFile;
  serviceAccountTokens?: ServiceAccountTokenAuthenticator;
  /** --api-audiences: a review naming no audience checks against these. */
  audiences: string[];
}

/** The review's status: authenticated with the user and the audiences it is valid for, or an error. */
export async function reviewToken(a: TokenAuthenticators, spec: TokenReview["spec"]): Promise<NonNullable<TokenReview["status"]>> {
  const token = spec.token ?? "";
  const wanted = spec.audiences?.length ? spec.audiences : a.audiences;
  const fromFile = token ? a.tokenFile?.authenticateToken(token) : undefined;
  // Static tokens are valid for the server's audiences only (Kubernetes' audience-agnostic ones).
  if (fromFile) {
    const audiences = wanted.filter((x) => a.audiences.includes(x));
    if (audiences.length) return { authenticated: true, user: apiUserInfo(withAuthenticatedGroup(fromFile)), audiences };
    return { authenticated: false, error: "token audiences don't match the server's", user: {} };
  }
  const sa = token ? a.serviceAccountTokens?.authenticateToken(token, wanted) : undefined;
  const out = sa ? await sa : { error: "invalid bearer token" };
  if ("error" in out) return { authenticated: false, error: out.error, user: {} };
  return { authenticated: true, user: apiUserInfo(withAuthenticatedGroup(out.user)), audiences: out.audiences };
}
