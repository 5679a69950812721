// The claims of a ServiceAccount token as Kubernetes 1.32 issues them (pkg/serviceaccount/claims.go):
// iss, sub, aud, exp, iat, nbf, jti, and the private "kubernetes.io" claim naming the namespace,
// the ServiceAccount and the object the token is bound to (a Pod, with its Node, or a Secret).
// Pure: building claims for a TokenRequest, and reading the user and its bindings back.
import type { UserInfo } from "../user";

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": KubernetesClaim;
}

export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

/** "system:serviceaccount:<ns>:<name>" */
export const serviceAccountUsername = (namespace: string, name: string) => `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;

export interface ClaimsInput {
  issuer: string;
  audiences: string[];
  /** Seconds since the epoch. */
  now: number;
  expirationSeconds: number;
  jti: string;
  kubernetes: KubernetesClaim;
}

export function newClaims(i: ClaimsInput): ServiceAccountClaims {
  return {
    aud: i.audiences,
    exp: i.now + i.expirationSeconds,
    iat: i.now,
    iss: i.issuer,
    jti: i.jti,
    "kubernetes.io": i.kubernetes,
    nbf: i.now,
    sub: serviceAccountUsername(i.kubernetes.namespace, i.kubernetes.serviceaccount.name),
  };
}

/** The private claim of a verified payload, or why it is not one of ours. */
export function kubernetesClaim(payload: Record<string, unknown>): KubernetesClaim | string {
  const k = payload["kubernetes.io"] as Partial<KubernetesClaim> | undefined;
  if (!k || typeof k !== "object") return "token has no kubernetes.io claim";
  if (typeof k.namespace !== "string" || !k.namespace) return "kubernetes.io claim has no namespace";
  if (!isRef(k.serviceaccount)) return "kubernetes.io claim has no serviceaccount";
  for (const key of ["pod", "secret", "node"] as const) if (k[key] !== undefined && !isRef(k[key])) return `kubernetes.io claim has a malformed ${key}`;
  if (payload.sub !== serviceAccountUsername(k.namespace, k.serviceaccount.name)) return "sub claim does not name the token's service account";
  return k as KubernetesClaim;
}

const isRef = (v: unknown): v is ObjectRef =>
  !!v && typeof v === "object" && typeof (v as ObjectRef).name === "string" && (v as ObjectRef).name !== "" && typeof (v as ObjectRef).uid === "string";

/** The user a token names (Kubernetes' ServiceAccountInfo.UserInfo). */
export function serviceAccountUser(k: KubernetesClaim, jti: string | undefined): UserInfo {
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    extra["authentication.kubernetes.io/pod-name"] = [k.pod.name];
    extra["authentication.kubernetes.io/pod-uid"] = [k.pod.uid];
  }
  if (k.node) {
    extra["authentication.kubernetes.io/node-name"] = [k.node.name];
    if (k.node.uid) extra["authentication.kubernetes.io/node-uid"] = [k.node.uid];
  }
  if (jti) extra["authentication.kubernetes.io/credential-id"] = [`JTI=${jti}`];
  return {
    name: serviceAccountUsername(k.namespace, k.serviceaccount.name),
    uid: k.serviceaccount.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${k.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
