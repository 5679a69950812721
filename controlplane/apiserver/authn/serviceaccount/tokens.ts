// Signing and authenticating ServiceAccount tokens. The JWT itself (compact form, signature,
// iss/exp/nbf) is jose's; what is Kubernetes' is here: the key chosen by kid, the audiences a
// token must share with the server's, and that the objects it is bound to still exist with the
// uids it names, so a token stops working when its pod, Secret or ServiceAccount is deleted.
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from "jose";
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
    if (!this.isOurs(token)) return undefined;
    return this.verify(token).then((v) => (typeof v === "string" ? { error: v } : this.accept(v, audiences)));
  }

  /** Cheap, unverified: a JWT whose iss is one of ours. */
  private isOurs(token: string): boolean {
    if (token.split(".").length !== 3) return false;
    try {
      const iss = decodeJwt(token).iss;
      return iss !== undefined && this.issuers.has(iss);
    } catch {
      return false;
    }
  }

  private async verify(token: string): Promise<Verified | string> {
    let payload: JWTPayload;
    try {
      const kid = decodeProtectedHeader(token).kid;
      payload = await this.verifyWithKeys(token, kid);
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
  private async verifyWithKeys(token: string, kid: string | undefined): Promise<JWTPayload> {
    const byKid = this.o.keys.filter((k) => k.kid === kid);
    const candidates = byKid.length ? byKid : this.o.keys;
    let last: unknown = new Error("no verification key");
    for (const k of candidates) {
      try {
        const { payload } = await jwtVerify(token, k.key, { algorithms: [k.alg], issuer: [...this.issuers], currentDate: new Date(this.now()) });
        return payload;
      } catch (e) {
        last = e;
        if ((e as { code?: string }).code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") break;
      }
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
