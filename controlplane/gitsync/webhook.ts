// POST /hooks/gitops/<namespace>/<name>: a push tells git-sync to reconcile that GitRepository
// now instead of at the next interval. Accepts generic, GitHub and GitLab push payloads. The
// request must prove it knows the repository's webhook token: `Authorization: Bearer <token>`,
// `X-Gitlab-Token: <token>`, or GitHub's `X-Hub-Signature-256` HMAC of the body; compared in
// constant time. A repository without a token refuses every webhook (never an open endpoint).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

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

export const WEBHOOK_PREFIX = "/hooks/gitops/";
export const MAX_WEBHOOK_BODY = 5 * 1024 * 1024;

export type WebhookHandler = (req: WebhookRequest) => Promise<WebhookResponse>;

export function createWebhookHandler(opts: WebhookOptions): WebhookHandler {
  return (req) => handleGitopsWebhook(req, opts);
}

const header = (req: WebhookRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const failure = (status: number, reason: string, message: string): WebhookResponse => ({
  status,
  body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, message, code: status },
});

export async function handleGitopsWebhook(req: WebhookRequest, opts: WebhookOptions): Promise<WebhookResponse> {
  const path = new URL(req.url, "http://localhost").pathname;
  const parts = path.slice(WEBHOOK_PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
  if (!path.startsWith(WEBHOOK_PREFIX) || parts.length !== 2) {
    return failure(404, "NotFound", "webhook path must be /hooks/gitops/<namespace>/<name>");
  }
  if (req.method !== "POST") return failure(405, "MethodNotAllowed", "webhooks must be POSTed");
  const [namespace, name] = parts as [string, string];
  const target = await opts.lookup(namespace, name);
  if (!target) return failure(404, "NotFound", `gitrepositories.gitops.kubelab.io "${name}" not found in namespace "${namespace}"`);
  if (!target.token) {
    return failure(403, "Forbidden", `no webhook token is configured for ${namespace}/${name}: set webhookToken in the Secret named by spec.secretRef`);
  }
  if (!authorized(req, target.token)) return failure(401, "Unauthorized", "missing or wrong webhook token");

  const event = header(req, "x-github-event") ?? header(req, "x-gitlab-event");
  if (event === "ping") return { status: 200, body: { triggered: false, message: "pong" } };
  const push = parsePush(req);
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

function authorized(req: WebhookRequest, token: string): boolean {
  const auth = header(req, "authorization");
  if (auth?.startsWith("Bearer ")) return safeEqual(auth.slice(7).trim(), token);
  const gitlab = header(req, "x-gitlab-token");
  if (gitlab !== undefined) return safeEqual(gitlab, token);
  const sig = header(req, "x-hub-signature-256");
  if (sig?.startsWith("sha256=")) {
    const expected = "sha256=" + createHmac("sha256", token).update(req.body).digest("hex");
    return safeEqual(sig.toLowerCase(), expected);
  }
  return false;
}

/** ref and after/checkout_sha from a GitHub, GitLab or generic JSON (or GitHub form) payload. */
export function parsePush(req: WebhookRequest): { ref?: string; after?: string } {
  let text = req.body.toString("utf8");
  const type = header(req, "content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) text = new URLSearchParams(text).get("payload") ?? "";
  if (!text.trim()) return {};
  try {
    const p = JSON.parse(text) as Record<string, unknown>;
    const ref = typeof p.ref === "string" ? p.ref : undefined;
    const after = typeof p.checkout_sha === "string" ? p.checkout_sha : typeof p.after === "string" ? p.after : undefined;
    return { ...(ref ? { ref } : {}), ...(after ? { after } : {}) };
  } catch {
    return {};
  }
}

/** Adapts a WebhookHandler to the API server's extra handlers: (req, res, url) => handled? */
export function webhookHttpHandler(handler: WebhookHandler): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(WEBHOOK_PREFIX)) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_WEBHOOK_BODY) {
        send(res, failure(413, "RequestEntityTooLarge", `webhook body larger than ${MAX_WEBHOOK_BODY} bytes`));
        req.destroy();
        return true;
      }
      chunks.push(chunk as Buffer);
    }
    const out = await handler({ method: req.method ?? "GET", url: url.pathname + url.search, headers: req.headers, body: Buffer.concat(chunks) });
    send(res, out);
    return true;
  };
}

function send(res: ServerResponse, out: WebhookResponse): void {
  if (res.headersSent) return;
  const text = JSON.stringify(out.body);
  res.writeHead(out.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
