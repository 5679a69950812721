// Signing and authenticating ServiceAccount tokens. jose signs; a token is decoded once and its
// signature checked with node:crypto on the key's cached KeyObject (jose's WebCrypto path cost a
// thread-pool hop per token: `npm run bench -- auth`). What is Kubernetes' is here too: the key
// chosen by kid, the issuers, the audiences a token must share with the server's, and that the
// objects it is bound to still exist with the uids it names, so a token stops working when its
// pod, Secret or ServiceAccount is deleted.
import { verify as verifySignature } from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import type { UserInfo } from "../user";
import { kubernetesClaim, serviceAccountUser, type KubernetesClaim, type ServiceAccountClaims } from "./claims";
import type { SigningKey, VerificationKey } from "./keys";

export class ServiceAccountTokenSigner {
  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
  ) {}

  sign(claims: ServiceAccountClaims): Promise<string> {
    return new SignJWT(claims as unknown as JWTPayload).setProtectedHeader({ alg: this.key.alg, kid: this.key.kid }).sign(this.key.key);
  }
}

/** A bound object as it is now: its uid, and since when it is being deleted. */
export interface LiveObject {
  uid: string;
  deletionTimestamp?: string;
}

/** Reads the objects a token names (the API server's registry behind it). */
export interface BoundObjectGetter {
  serviceAccount(namespace: string, name: string): Promise<LiveObject | undefined>;
  pod(namespace: string, name: string): Promise<LiveObject | undefined>;
  secret(namespace: string, name: string): Promise<LiveObject | undefined>;
}

export type TokenResult = { user: UserInfo; audiences: string[] } | { error: string };

export interface ServiceAccountAuthenticatorOptions {
  /** --service-account-issuer: every one is accepted (the first is the one tokens are signed with). */
  issuers: string[];
  keys: VerificationKey[];
  /** --api-audiences: a token must be meant for one of them. */
  audiences: string[];
  getter: BoundObjectGetter;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
  /** How many verified tokens are remembered (their signature is checked once). */
  cacheSize?: number;
}

interface Verified {
  exp: number;
  nbf: number;
  aud: string[];
  jti?: string;
  claim: KubernetesClaim;
}

/** Bound objects deleted longer ago than this invalidate their tokens (Kubernetes' 60 s). */
const DELETED_GRACE_MS = 60_000;

export class ServiceAccountTokenAuthenticator {
  private readonly issuers: Set<string>;
  private readonly now: () => number;
  private readonly cacheSize: number;
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly o: ServiceAccountAuthenticatorOptions) {
    this.issuers = new Set(o.issuers);
    this.now = o.now ?? Date.now;
    this.cacheSize = o.cacheSize ?? 10_000;
  }

  /**
   * undefined: not a token of this issuer (another authenticator may know it). Otherwise the
   * user, or why the token is refused. `audiences` defaults to the server's.
   */
  authenticateToken(token: string, audiences: string[] = this.o.audiences): Promise<TokenResult> | undefined {
    const cached = this.verified.get(token);
    if (cached) return this.accept(cached, audiences);
    // Decoded once, unverified: a JWT whose iss is not one of ours is another authenticator's.
    const jws = decodeCompact(token);
    if (!jws || typeof jws.payload.iss !== "string" || !this.issuers.has(jws.payload.iss)) return undefined;
    const v = this.verify(token, jws);
    return typeof v === "string" ? Promise.resolve({ error: v }) : this.accept(v, audiences);
  }

  private verify(token: string, jws: CompactJWS): Verified | string {
    let payload: JWTPayload;
    try {
      payload = this.verifyWithKeys(jws);
    } catch (e) {
      return `invalid service account token: ${(e as Error).message}`;
    }
    const claim = kubernetesClaim(payload);
    if (typeof claim === "string") return claim;
    if (typeof payload.exp !== "number") return "token has no expiry";
    const aud = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
    const v: Verified = { exp: payload.exp, nbf: payload.nbf ?? 0, aud, jti: payload.jti, claim };
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, v);
    return v;
  }

  /** The key named by kid, else each key in turn (tokens of other servers may carry none). */
  private verifyWithKeys(jws: CompactJWS): JWTPayload {
    const kid = jws.header.kid;
    const byKid = this.o.keys.filter((k) => k.kid === kid);
    const candidates = byKid.length ? byKid : this.o.keys;
    let last: unknown = new Error("no verification key");
    for (const k of candidates) {
      const payload = verifyCompact(jws, k);
      if (payload === "bad signature") {
        last = new Error("signature verification failed");
        continue;
      }
      if (typeof payload === "string") throw new Error(payload);
      if (typeof payload.iss !== "string" || !this.issuers.has(payload.iss)) throw new Error('unexpected "iss" claim value');
      return payload;
    }
    throw last;
  }

  private async accept(v: Verified, audiences: string[]): Promise<TokenResult> {
    const nowS = this.now() / 1000;
    if (nowS >= v.exp) return { error: "service account token has expired" };
    if (nowS < v.nbf) return { error: "service account token is not valid yet" };
    const shared = v.aud.filter((a) => audiences.includes(a));
    if (shared.length === 0) return { error: "token audiences don't match the server's" };
    const why = await this.boundObjectsProblem(v.claim);
    if (why) return { error: why };
    return { user: serviceAccountUser(v.claim, v.jti), audiences: shared };
  }

  /** Why the objects the token names no longer back it, or undefined when they do. */
  private async boundObjectsProblem(k: KubernetesClaim): Promise<string | undefined> {
    const { getter } = this.o;
    const ns = k.namespace;
    const sa = this.problem("service account", ns, k.serviceaccount, await getter.serviceAccount(ns, k.serviceaccount.name));
    if (sa) return sa;
    if (k.pod) {
      const pod = this.problem("pod", ns, k.pod, await getter.pod(ns, k.pod.name));
      if (pod) return pod;
    }
    if (k.secret) return this.problem("secret", ns, k.secret, await getter.secret(ns, k.secret.name));
    return undefined;
  }

  private problem(what: string, ns: string, ref: ObjectRefLike, live: LiveObject | undefined): string | undefined {
    if (!live) return `${what} ${ns}/${ref.name} has been deleted`;
    if (ref.uid && live.uid !== ref.uid) return `${what} UID (${live.uid}) does not match claim (${ref.uid})`;
    if (live.deletionTimestamp && Date.parse(live.deletionTimestamp) < this.now() - DELETED_GRACE_MS) {
      return `${what} ${ns}/${ref.name} has been deleted for more than 60s`;
    }
    return undefined;
  }
}

type ObjectRefLike = { name: string; uid: string };

const HASHES: Record<string, string> = { RS256: "sha256", ES256: "sha256", ES384: "sha384", ES512: "sha512" };

/** A compact JWS (RFC 7515), its header and claims decoded, not verified. */
interface CompactJWS {
  signingInput: string;
  signature: string;
  header: { alg?: unknown; kid?: string; crit?: unknown };
  payload: JWTPayload;
}

function decodeCompact(token: string): CompactJWS | undefined {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second < 0 || token.indexOf(".", second + 1) >= 0) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, first), "base64url").toString("utf8")) as CompactJWS["header"];
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8")) as unknown;
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object" || Array.isArray(payload)) return undefined;
    return { signingInput: token.slice(0, second), signature: token.slice(second + 1), header, payload: payload as JWTPayload };
  } catch {
    return undefined;
  }
}

/**
 * The signature of `jws` checked with node:crypto on the key's cached KeyObject (ES* signatures
 * are r||s, RFC 7518 3.4): the claims when the header's alg is the key's and the signature
 * holds; "bad signature" to try the next key; any other string says what is wrong.
 */
function verifyCompact(jws: CompactJWS, k: VerificationKey): JWTPayload | string {
  if (jws.header.alg !== k.alg) return `"alg" (Algorithm) Header Parameter value not allowed`;
  if (jws.header.crit !== undefined) return "unsupported critical header";
  const key = k.alg === "RS256" ? k.keyObject : { key: k.keyObject, dsaEncoding: "ieee-p1363" as const };
  return verifySignature(HASHES[k.alg]!, Buffer.from(jws.signingInput), key, Buffer.from(jws.signature, "base64url")) ? jws.payload : "bad signature";
}
