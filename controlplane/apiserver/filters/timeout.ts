// WithTimeoutForNonLongRunningRequests, as kube-apiserver has it: a request that is not
// long-running gets --request-timeout (or less, when it asks with ?timeout=, as kubectl's
// --request-timeout does); when that passes the client gets 504 Timeout with kube's message and
// the handler's late answer is dropped. A response that has already begun is cut instead.
import { parseDuration } from "../../../api/duration";
import { ApiError } from "../errors";
import { requestInfo, type Filter } from "../filter";
import type { ServerLimits } from "./limits";
import { requestKind } from "./max-inflight";
import type { FilterMetrics } from "./metrics";

export function timeoutError(): ApiError {
  return new ApiError(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded", { retryAfterSeconds: 0 });
}

export function withRequestTimeout(limits: ServerLimits, metrics: FilterMetrics): Filter {
  return (next) => async (ctx) => {
    const info = requestInfo(ctx);
    if (info.longRunning || limits.requestTimeoutMs <= 0) return next(ctx);
    const asked = info.url.searchParams.get("timeout");
    const askedMs = asked ? parseDuration(asked) : 0; // its syntax was checked by withQueryParamCheck
    const ms = askedMs > 0 ? Math.min(askedMs, limits.requestTimeoutMs) : limits.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => (timer = setTimeout(() => resolve("expired"), ms)));
    const handled = next(ctx);
    try {
      if ((await Promise.race([handled, expired])) !== "expired") return;
    } finally {
      clearTimeout(timer);
    }
    // The handler goes on (JavaScript cannot stop it); whatever it throws later is dropped here.
    handled.catch(() => {});
    metrics.terminated(requestKind(ctx.req.method ?? "GET", false), info.verb, info.resource?.plural ?? "", 504);
    if (ctx.res.headersSent) ctx.res.destroy();
    // The request (its body, perhaps) is unfinished: the connection cannot go on after the answer.
    else ctx.reply(504, timeoutError().toStatus(), { Connection: "close" });
  };
}
