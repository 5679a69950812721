// The agent's main port checks callers as the kubelet does in webhook mode
// (--authentication-token-webhook, --authorization-mode=Webhook): a bearer token is sent to the API
// server as a TokenReview, and the user it names as a SubjectAccessReview for the node
// subresource the request touches (attributes.ts). Answers are cached briefly, with the kubelet's
// defaults: authentication 2 min, authorization 5 min when allowed and 30 s when denied, so an
// exec or a log stream costs no round trip to the API server on a warm cache.
import { createHash } from "node:crypto";
import type { ApiClient } from "../../client/rest";
import type { NodeAttributes } from "./attributes";

export interface AgentUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface WebhookTtls {
  authenticatedMs: number;
  unauthenticatedMs: number;
  allowedMs: number;
  deniedMs: number;
}

export const KUBELET_TTLS: WebhookTtls = { authenticatedMs: 120_000, unauthenticatedMs: 10_000, allowedMs: 300_000, deniedMs: 30_000 };

/** A map whose entries expire, and that never holds more than `max` of them (oldest go first). */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly max = 4096) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > now) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, until: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

type Authn = { user: AgentUser } | { error: string };
type Authz = { allowed: true } | { allowed: false; reason: string };

interface TokenReviewAnswer {
  status?: { authenticated?: boolean; user?: AgentUser; error?: string };
}
interface SubjectAccessReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

export class WebhookAuth {
  private readonly tokens = new TtlCache<Authn>();
  private readonly decisions = new TtlCache<Authz>();

  constructor(
    private readonly client: ApiClient,
    private readonly ttls: WebhookTtls = KUBELET_TTLS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Who the token belongs to, or why not; a failed TokenReview call is thrown. */
  async authenticate(token: string): Promise<Authn> {
    const key = createHash("sha256").update(token).digest("base64");
    const cached = this.tokens.get(key, this.now());
    if (cached) return cached;
    const review = await this.client.raw<TokenReviewAnswer>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    const s = review?.status;
    const out: Authn = s?.authenticated && s.user?.username ? { user: s.user } : { error: s?.error || "invalid bearer token" };
    this.tokens.set(key, out, this.now() + ("user" in out ? this.ttls.authenticatedMs : this.ttls.unauthenticatedMs));
    return out;
  }

  /** May the user do this to the node? A failed SubjectAccessReview call is thrown. */
  async authorize(user: AgentUser, attrs: NodeAttributes): Promise<Authz> {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, attrs]);
    const cached = this.decisions.get(key, this.now());
    if (cached) return cached;
    const review = await this.client.raw<SubjectAccessReviewAnswer>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups ?? [],
        ...(user.extra ? { extra: user.extra } : {}),
        resourceAttributes: { verb: attrs.verb, resource: attrs.resource, subresource: attrs.subresource, name: attrs.name },
      },
    });
    const s = review?.status;
    const out: Authz = s?.allowed && !s.denied ? { allowed: true } : { allowed: false, reason: s?.reason ?? "" };
    this.decisions.set(key, out, this.now() + (out.allowed ? this.ttls.allowedMs : this.ttls.deniedMs));
    return out;
  }
}
