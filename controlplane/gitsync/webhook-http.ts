// The webhook on a real socket: the request's head goes through the checks in webhook.ts before
// a byte of its body is read; the body is then read with a size cap (413) and a deadline (408),
// so a client that trickles bytes is dropped within seconds. Every outcome is a response; a
// failed request closes its connection, and nothing here can throw into the listener.
import type { IncomingMessage, ServerResponse } from "node:http";
import { failure, processWebhook, WEBHOOK_PREFIX, WebhookFailure, type WebhookOptions, type WebhookResponse } from "./webhook";

/** Push payloads are a few KiB (GitHub caps them at 25 MB, but only for huge pushes). */
export const MAX_WEBHOOK_BODY = 1024 * 1024;
/** Time for the whole body once the head has been accepted. */
export const WEBHOOK_BODY_TIMEOUT_MS = 5_000;

export interface WebhookLimits {
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
}

/** An API server extra handler: (req, res, url) => handled? */
export function webhookHttpHandler(opts: WebhookOptions, limits: WebhookLimits = {}): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const max = limits.maxBodyBytes ?? MAX_WEBHOOK_BODY;
  const timeoutMs = limits.bodyTimeoutMs ?? WEBHOOK_BODY_TIMEOUT_MS;
  return async (req, res, url) => {
    if (!url.pathname.startsWith(WEBHOOK_PREFIX)) return false;
    req.on("error", () => {}); // a reset connection is this request's end, not the listener's
    try {
      const head = { method: req.method ?? "GET", url: url.pathname + url.search, headers: req.headers };
      send(req, res, await processWebhook(head, () => readBody(req, max, timeoutMs), opts));
    } catch (err) {
      send(req, res, failure(500, "InternalError", `webhook failed: ${String((err as Error)?.message ?? err)}`));
    }
    return true;
  };
}

/** Reads the body, refusing more than max bytes (413) or taking longer than timeoutMs (408). */
export function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) done(tooLarge(max));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onAborted = () => done(new Error("the client closed the connection"));
    const timer = setTimeout(() => done(new WebhookFailure(failure(408, "Timeout", `the webhook body did not arrive within ${timeoutMs} ms`))), timeoutMs);
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
}

const tooLarge = (max: number) => new WebhookFailure(failure(413, "RequestEntityTooLarge", `webhook body larger than ${max} bytes`));

/**
 * Writes the answer. After a failure the connection is closed: what is left of the body is
 * discarded for a moment (so the client can read the answer instead of a reset), then dropped.
 */
function send(req: IncomingMessage, res: ServerResponse, out: WebhookResponse): void {
  const failed = out.status >= 400;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(out.body);
  res.writeHead(out.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...(failed ? { Connection: "close" } : {}) });
  res.end(text);
  if (failed && !req.complete) {
    req.resume();
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  }
}
