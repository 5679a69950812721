// POST /hooks/gitops/<namespace>/<name>: a push tells git-sync to reconcile that GitRepository
// now instead of at the next interval. Accepts generic, GitHub and GitLab push payloads. The
// request must prove it knows the repository's webhook token: `Authorization: Bearer <token>`,
// `X-Gitlab-Token: <token>`, or GitHub's `X-Hub-Signature-256` HMAC of the body; compared in
// constant time. A repository without a token refuses every webhook (never an open endpoint).
//
// The steps run in an order that costs an unauthenticated caller nothing: route, look up the
// repository, check the credentials in the headers, and only then read the body (for an HMAC,
// which needs the body, the signature header must be present and well-formed first). The body is
// read through a function, so the HTTP adapter (webhook-http.ts) can cap its size and time.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { isDNS1123Label, isDNS1123Subdomain } from "../../api/validation";

export interface WebhookRequest {
  method: string;
  /** Path and query, e.g. "/hooks/gitops/default/lab". */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface WebhookResponse {
  status: number;
  body: unknown;
}

/** What the handler needs to know about a GitRepository. */
export interface WebhookTarget {
  /** The token webhooks must present; undefined: none configured (every webhook is refused). */
  token?: string;
  /** The branch it follows, to ignore pushes to other branches (undefined: any push triggers). */
  branch?: string;
}

export interface WebhookOptions {
  /** Queue a reconcile of namespace/name. */
  trigger(namespace: string, name: string): void;
  /** The repository's token and branch; undefined when no such GitRepository exists. */
  lookup(namespace: string, name: string): Promise<WebhookTarget | undefined>;
}

/** A request before its body is read. */
export type WebhookHead = Omit<WebhookRequest, "body">;

export const WEBHOOK_PREFIX = "/hooks/gitops/";

export type WebhookHandler = (req: WebhookRequest) => Promise<WebhookResponse>;

/** A step that ends the request with this response (thrown by body readers too: 413, 408). */
export class WebhookFailure extends Error {
  constructor(readonly response: WebhookResponse) {
    super(String((response.body as { message?: string }).message));
  }
}

export function createWebhookHandler(opts: WebhookOptions): WebhookHandler {
  return (req) => handleGitopsWebhook(req, opts);
}

const header = (headers: WebhookHead["headers"], name: string): string | undefined => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export const failure = (status: number, reason: string, message: string): WebhookResponse => ({
  status,
  body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, message, code: status },
});

/** The whole webhook for a request whose body is already in memory. */
export function handleGitopsWebhook(req: WebhookRequest, opts: WebhookOptions): Promise<WebhookResponse> {
  return processWebhook(req, async () => req.body, opts);
}

/** Runs the steps in order; every failure, thrown or returned, becomes a response. */
export async function processWebhook(head: WebhookHead, readBody: () => Promise<Buffer>, opts: WebhookOptions): Promise<WebhookResponse> {
  try {
    const route = routeOf(head);
    // A name no GitRepository can have is not found, without asking the API (which would refuse
    // the read itself with a 400, e.g. for "a%2Fb").
    const target = canExist(route) ? await opts.lookup(route.namespace, route.name) : undefined;
    if (!target) throw new WebhookFailure(failure(404, "NotFound", `gitrepositories.gitops.kubelab.io "${route.name}" not found in namespace "${route.namespace}"`));
    if (!target.token) {
      throw new WebhookFailure(failure(403, "Forbidden", `no webhook token is configured for ${route.namespace}/${route.name}: set webhookToken in the Secret named by spec.secretRef`));
    }
    const credentials = checkCredentials(head.headers, target.token);
    const body = await readBody();
    if (credentials.signature && !signatureMatches(credentials.signature, body, target.token)) {
      throw new WebhookFailure(failure(401, "Unauthorized", "the X-Hub-Signature-256 signature does not match the body"));
    }
    return handlePush(head, body, route, target, opts);
  } catch (err) {
    if (err instanceof WebhookFailure) return err.response;
    return failure(503, "ServiceUnavailable", `webhook failed: ${String((err as Error)?.message ?? err)}`);
  }
}

/** Whether a GitRepository could have this namespace and name at all. */
const canExist = (r: { namespace: string; name: string }): boolean => isDNS1123Label(r.namespace).length === 0 && isDNS1123Subdomain(r.name).length === 0;

function routeOf(head: WebhookHead): { namespace: string; name: string } {
  const path = new URL(head.url, "http://localhost").pathname;
  if (!path.startsWith(WEBHOOK_PREFIX)) throw new WebhookFailure(failure(404, "NotFound", "webhook path must be /hooks/gitops/<namespace>/<name>"));
  let parts: string[];
  try {
    parts = path.slice(WEBHOOK_PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new WebhookFailure(failure(400, "BadRequest", `malformed percent-encoding in ${JSON.stringify(path.slice(0, 200))}`));
  }
  if (parts.length !== 2) throw new WebhookFailure(failure(404, "NotFound", "webhook path must be /hooks/gitops/<namespace>/<name>"));
  if (head.method !== "POST") throw new WebhookFailure(failure(405, "MethodNotAllowed", "webhooks must be POSTed"));
  return { namespace: parts[0]!, name: parts[1]! };
}

/**
 * Checks what the headers alone can prove. A token header is verified here; a GitHub signature
 * must be well-formed here and is verified against the body later. Anything else is refused.
 */
export function checkCredentials(headers: WebhookHead["headers"], token: string): { signature?: string } {
  const auth = header(headers, "authorization");
  if (auth?.startsWith("Bearer ")) {
    if (safeEqual(auth.slice(7).trim(), token)) return {};
    throw new WebhookFailure(failure(401, "Unauthorized", "wrong webhook token"));
  }
  const gitlab = header(headers, "x-gitlab-token");
  if (gitlab !== undefined) {
    if (safeEqual(gitlab, token)) return {};
    throw new WebhookFailure(failure(401, "Unauthorized", "wrong webhook token"));
  }
  const sig = header(headers, "x-hub-signature-256");
  if (sig !== undefined) {
    if (/^sha256=[0-9a-f]{64}$/i.test(sig.trim())) return { signature: sig.trim().toLowerCase() };
    throw new WebhookFailure(failure(401, "Unauthorized", "X-Hub-Signature-256 must be sha256=<64 hex digits>"));
  }
  throw new WebhookFailure(failure(401, "Unauthorized", "missing webhook token: send Authorization: Bearer, X-Gitlab-Token or X-Hub-Signature-256"));
}

function signatureMatches(signature: string, body: Buffer, token: string): boolean {
  return safeEqual(signature, "sha256=" + createHmac("sha256", token).update(body).digest("hex"));
}

function handlePush(head: WebhookHead, body: Buffer, route: { namespace: string; name: string }, target: WebhookTarget, opts: WebhookOptions): WebhookResponse {
  const { namespace, name } = route;
  const event = header(head.headers, "x-github-event") ?? header(head.headers, "x-gitlab-event");
  if (event === "ping") return { status: 200, body: { triggered: false, message: "pong" } };
  const push = parsePush({ ...head, body });
  if (push.ref && target.branch) {
    const branch = push.ref.startsWith("refs/heads/") ? push.ref.slice("refs/heads/".length) : undefined;
    if (branch !== undefined && branch !== target.branch) {
      return { status: 200, body: { triggered: false, message: `push to ${push.ref} ignored: ${namespace}/${name} follows ${target.branch}` } };
    }
  }
  opts.trigger(namespace, name);
  return { status: 202, body: { triggered: true, repository: `${namespace}/${name}`, ...(push.ref ? { ref: push.ref } : {}), ...(push.after ? { after: push.after } : {}) } };
}

function digest(s: string | Buffer): Buffer {
  return createHash("sha256").update(s).digest();
}

/** Constant-time equality (hashing first makes the lengths equal). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * ref and after/checkout_sha from a GitHub, GitLab or generic JSON (or GitHub form) payload. An
 * empty body is a bare "sync now"; a body that is not a JSON object is a 400.
 */
export function parsePush(req: WebhookRequest): { ref?: string; after?: string } {
  let text = req.body.toString("utf8");
  const type = header(req.headers, "content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) text = new URLSearchParams(text).get("payload") ?? "";
  if (!text.trim()) return {};
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (err) {
    throw new WebhookFailure(failure(400, "BadRequest", `the webhook payload is not valid JSON: ${(err as Error).message}`));
  }
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw new WebhookFailure(failure(400, "BadRequest", "the webhook payload must be a JSON object"));
  const o = p as Record<string, unknown>;
  const ref = typeof o.ref === "string" ? o.ref : undefined;
  const after = typeof o.checkout_sha === "string" ? o.checkout_sha : typeof o.after === "string" ? o.after : undefined;
  return { ...(ref ? { ref } : {}), ...(after ? { after } : {}) };
}
