// The filters every API server request passes (their order is in handler-chain.ts): request
// metrics, recovery (every error becomes a Status here, in one place), request info,
// authentication, and the extra routes other components mount (the git-sync webhook).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { StoreUnavailableError } from "../storage/store";
import { ApiError } from "./errors";
import { GO_TRUE } from "./go-bool";
import { requestInfo, type Filter, type Handler, type RequestContext, type RequestInfo } from "./filter";
import type { RequestMetrics } from "./metrics";
import { boolParam, parseResourcePath, type ResourcePath } from "./request";

/** An extra route (e.g. the git-sync webhook): return true when it handled the request. */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** Counts every request by verb, resource and code, and times all but watches. */
export function withRequestMetrics(metrics: RequestMetrics): Filter {
  return (next) => async (ctx) => {
    const started = process.hrtime.bigint();
    try {
      await next(ctx);
    } finally {
      const info = ctx.info;
      const verb = info ? metricsVerb(ctx.req.method ?? "GET", info) : (ctx.req.method ?? "GET");
      metrics.record(verb, info?.resource?.plural ?? "", ctx.code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

/** apiserver_request_total's verb label: LIST and WATCH apart from GET, else the method. */
function metricsVerb(method: string, info: RequestInfo): string {
  if (method !== "GET") return method;
  if (GO_TRUE.has(info.url.searchParams.get("watch") ?? "")) return "WATCH";
  return info.resource?.name ? "GET" : "LIST";
}

/**
 * Whatever the rest of the chain throws is answered: an ApiError with its Status, anything else
 * logged and answered 500. When the answer has begun (a list or watch stream) it is ended.
 */
export function withPanicRecovery(logger: Logger): Filter {
  return (next) => async (ctx) => {
    try {
      await next(ctx);
    } catch (e) {
      const err = e instanceof ApiError ? e : e instanceof StoreUnavailableError ? unavailable(e) : internalError(e, logger);
      if (ctx.res.headersSent) ctx.res.end();
      else ctx.reply(err.code, err.toStatus());
    }
  };
}

/** The store cannot answer: 503 with Retry-After, which client-go and kubectl retry. */
const unavailable = (e: StoreUnavailableError) => new ApiError(503, "ServiceUnavailable", e.message, { retryAfterSeconds: 1 });

function internalError(e: unknown, logger: Logger): ApiError {
  logger.error({ err: e }, "internal error");
  return new ApiError(500, "InternalError", `Internal error occurred: ${(e as Error)?.message ?? String(e)}`);
}

/** Held open as long as the client wants (kube's long-running check: log, proxy, exec, attach, portforward). */
const LONG_RUNNING_SUBRESOURCES = new Set(["log", "proxy", "exec", "attach", "portforward"]);

/**
 * Upgrades that run something in a pod are create, also as the WebSocket GET (kubectl 1.32's
 * default): Kubernetes' AuthorizePodWebsocketUpgradeCreatePermission, so that read access alone
 * never opens a shell.
 */
const CREATE_ON_GET = new Set(["exec", "attach", "portforward"]);

/** Parses the URL and the resource path into ctx.info. */
export function withRequestInfo(): Filter {
  // The pass-through filters are plain functions: they add no promise of their own per request.
  return (next) => (ctx) => {
    try {
      const url = new URL(ctx.req.url ?? "/", "http://localhost");
      const resource = parseResourcePath(url.pathname);
      const method = ctx.req.method ?? "GET";
      ctx.info = {
        url,
        resource,
        verb: resource ? kubernetesVerb(method, url, resource) : method.toLowerCase(),
        longRunning: resource !== undefined && (LONG_RUNNING_SUBRESOURCES.has(resource.subresource ?? "") || (method === "GET" && boolParam(url.searchParams.get("watch")))),
      };
    } catch (err) {
      return Promise.reject(err);
    }
    return next(ctx);
  };
}

function kubernetesVerb(method: string, url: URL, rp: ResourcePath): string {
  switch (method) {
    case "GET":
    case "HEAD":
      if (boolParam(url.searchParams.get("watch"))) return "watch";
      if (rp.name && CREATE_ON_GET.has(rp.subresource ?? "")) return "create";
      return rp.name ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return rp.name ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** Routes mounted by other components; the first that handles a request answers it. */
export function withExtraRoutes(extras: ExtraHandler[]): Filter {
  const tryExtras = async (ctx: RequestContext, next: Handler): Promise<void> => {
    const url = requestInfo(ctx).url;
    for (const extra of extras) if (await extra(ctx.req, ctx.res, url)) return;
    await next(ctx);
  };
  // Components mount their routes after the server starts: checked per request, and without a
  // promise of its own while there are none.
  return (next) => (ctx) => (extras.length === 0 ? next(ctx) : tryExtras(ctx, next));
}
