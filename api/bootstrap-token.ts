// Bootstrap tokens as kubeadm defines them (k8s.io/cluster-bootstrap/token/api): "<id>.<secret>"
// ([a-z0-9]{6}.[a-z0-9]{16}), kept in the Secret kube-system/bootstrap-token-<id> of type
// bootstrap.kubernetes.io/token with the fields token-id, token-secret, expiration (RFC 3339),
// usage-bootstrap-authentication and auth-extra-groups. The one definition: the API server's
// authenticator, the token cleaner, the agent and the lab all use it.
import { randomInt } from "node:crypto";

export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_TOKEN_NAMESPACE = "kube-system";
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const BOOTSTRAPPERS_GROUP = "system:bootstrappers";
export const bootstrapUser = (id: string) => `system:bootstrap:${id}`;

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A bootstrap token's Secret data, decoded (Secret.data is base64). */
export type BootstrapTokenData = Partial<Record<"token-id" | "token-secret" | "expiration" | "usage-bootstrap-authentication" | "usage-bootstrap-signing" | "auth-extra-groups" | "description", string>>;

export interface BootstrapTokenSecret {
  type?: string;
  metadata: { name?: string; deletionTimestamp?: string };
  data?: Record<string, string>;
}

export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function decodeTokenData(secret: BootstrapTokenSecret): BootstrapTokenData {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  return out as BootstrapTokenData;
}

/** Has the token's expiration passed at `now` (ms)? A bad timestamp counts as expired. */
export function isExpired(data: BootstrapTokenData, now: number): boolean {
  if (!data.expiration) return false;
  const t = Date.parse(data.expiration);
  return Number.isNaN(t) || t <= now;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const randomString = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");

/** A new token (kubeadm token generate). */
export function generateBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

/** The Secret for `token`, valid for `ttlMs` from `now`, for authentication only (kubeadm token create). */
export function bootstrapTokenSecret(token: string, opts: { ttlMs: number; now?: Date; description?: string; extraGroups?: string[] }) {
  const parsed = parseBootstrapToken(token);
  if (!parsed) throw new Error("a bootstrap token has the form [a-z0-9]{6}.[a-z0-9]{16}");
  const expiration = new Date((opts.now ?? new Date()).getTime() + opts.ttlMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: BOOTSTRAP_TOKEN_SECRET_PREFIX + parsed.id, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData: {
      "token-id": parsed.id,
      "token-secret": parsed.secret,
      expiration,
      "usage-bootstrap-authentication": "true",
      ...(opts.description ? { description: opts.description } : {}),
      ...(opts.extraGroups?.length ? { "auth-extra-groups": opts.extraGroups.join(",") } : {}),
    },
  };
}
