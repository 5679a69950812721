// What a filter of the API server's handler chain is (the chain itself, in order, is in
// handler-chain.ts): a function from the rest of the chain to a handler. It does its one step
// (count, recover, parse, authenticate, limit...) and then calls next, or answers instead.
//
// The contract of a filter:
// - `(next) => async (ctx) => { ...; await next(ctx); ... }`, built once at start-up, so set-up
//   work (counters, limits) belongs outside the inner function and per-request work inside.
// - It calls next at most once. To refuse a request it throws an ApiError (withPanicRecovery
//   turns it into a Status, in one place) or, when it must set headers, calls ctx.reply.
// - Filters after withRequestInfo may read ctx.info (requestInfo(ctx)); filters after
//   withAuthentication ctx.user.
// - It never swallows an error it did not raise, and it never leaves a promise unawaited.
//
// Filters import this module, never handler-chain.ts (which imports them).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { UserInfo } from "./authn/user";
import type { ResourcePath } from "./request";

/** What the chain has learned about a request so far (Kubernetes' RequestInfo). */
export interface RequestInfo {
  url: URL;
  /** Set for /api/... and /apis/... resource paths; undefined for discovery, health, metrics. */
  resource?: ResourcePath;
  /** Kubernetes' verb: get, list, watch, create, update, patch, delete, deletecollection; for
   *  non-resource paths the lower-case HTTP method. */
  verb: string;
  /** Watches and log streams: held open for minutes, so limits count them apart. */
  longRunning: boolean;
}

/** One request on its way down the chain. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Set by withRequestInfo. */
  info?: RequestInfo;
  /** Set by withAuthentication when the server checks tokens. */
  user?: UserInfo;
  /** HTTP status of the answer given through reply (200 until then). */
  code: number;
  /** Answer with a JSON (or, for a string, verbatim) body; a no-op once headers are out. */
  reply(code: number, body: unknown, headers?: Record<string, string>): void;
}

export type Handler = (ctx: RequestContext) => Promise<void>;
export type Filter = (next: Handler) => Handler;

/** The handler that runs `filters` in order and then `handler`. */
export function buildHandlerChain(filters: Filter[], handler: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => filter(next), handler);
}

/** A fresh context for a request, its reply writing the whole answer at once. */
export function newRequestContext(req: IncomingMessage, res: ServerResponse): RequestContext {
  const ctx: RequestContext = {
    req,
    res,
    code: 200,
    reply(status, body, headers = {}) {
      ctx.code = status;
      if (res.headersSent) return;
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", ...headers, "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    },
  };
  return ctx;
}

/** ctx.info for handlers and the filters after withRequestInfo. */
export function requestInfo(ctx: RequestContext): RequestInfo {
  if (!ctx.info) throw new Error("request info read before withRequestInfo ran");
  return ctx.info;
}
