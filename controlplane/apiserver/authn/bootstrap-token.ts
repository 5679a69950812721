// Bootstrap tokens (kube-apiserver --enable-bootstrap-token-auth; plugin/pkg/auth/authenticator/
// token/bootstrap): "<id>.<secret>" is checked against the Secret kube-system/bootstrap-token-<id>
// of type bootstrap.kubernetes.io/token. A token that is unknown, expired, not for authentication,
// or whose Secret is being deleted names nobody; a good one is system:bootstrap:<id> in
// system:bootstrappers and the token's auth-extra-groups. The format and the Secret's fields are
// kubeadm's (api/bootstrap-token.ts).
import { timingSafeEqual } from "node:crypto";
import { BOOTSTRAP_TOKEN_SECRET_TYPE, BOOTSTRAPPERS_GROUP, bootstrapUser, decodeTokenData, isExpired, parseBootstrapToken, type BootstrapTokenSecret } from "../../../api/bootstrap-token";
import type { UserInfo } from "./user";

export { BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapTokenSecret } from "../../../api/bootstrap-token";

const EXTRA_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** Reads kube-system/bootstrap-token-<id> (the API server's registry behind it). */
export type BootstrapSecretGetter = (name: string) => Promise<BootstrapTokenSecret | undefined>;

export type BootstrapOutcome = UserInfo | { error: string } | undefined;

export class BootstrapTokenAuthenticator {
  constructor(
    private readonly getSecret: BootstrapSecretGetter,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: not a bootstrap token (another authenticator may know it). */
  authenticateToken(token: string): Promise<BootstrapOutcome> | undefined {
    const parsed = parseBootstrapToken(token);
    if (!parsed) return undefined;
    return this.getSecret(`bootstrap-token-${parsed.id}`).then((secret) => this.judge(parsed, secret));
  }

  /** Every refusal is the same "invalid bearer token" to the client; the reason is for the log. */
  private judge(token: { id: string; secret: string }, secret: BootstrapTokenSecret | undefined): BootstrapOutcome {
    if (!secret) return undefined;
    if (secret.metadata.deletionTimestamp) return { error: `bootstrap token ${token.id} is being deleted` };
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return { error: `bootstrap token ${token.id}: secret has type ${secret.type ?? ""}` };
    const data = decodeTokenData(secret);
    const want = Buffer.from(data["token-secret"] ?? "");
    const got = Buffer.from(token.secret);
    if (data["token-id"] !== token.id || want.length !== got.length || !timingSafeEqual(want, got)) return { error: `bootstrap token ${token.id}: wrong secret` };
    if (isExpired(data, this.now())) return { error: `bootstrap token ${token.id} has expired` };
    if (data["usage-bootstrap-authentication"] !== "true") return { error: `bootstrap token ${token.id} is not for authentication` };
    const extra = (data["auth-extra-groups"] ?? "").split(",").map((g) => g.trim()).filter(Boolean);
    const bad = extra.find((g) => !EXTRA_GROUP_RE.test(g));
    if (bad) return { error: `bootstrap token ${token.id}: auth-extra-group ${JSON.stringify(bad)} is not system:bootstrappers:<name>` };
    return { name: bootstrapUser(token.id), uid: "", groups: [BOOTSTRAPPERS_GROUP, ...extra.filter((g) => g !== BOOTSTRAPPERS_GROUP)] };
  }
}
