// WithMaxInFlightLimit, as kube-apiserver has it: at most --max-requests-inflight read-only and
// --max-mutating-requests-inflight mutating requests at once; one more is refused with 429
// TooManyRequests and Retry-After: 1 (kube's own answer). Long-running requests (watch, log,
// exec, ...) hold their slot for minutes, so they are counted apart against
// --max-long-running-requests. Health probes are never refused: a busy server is not a dead one.
import { ApiError } from "../errors";
import { requestInfo, type Filter } from "../filter";
import type { ServerLimits } from "./limits";
import type { FilterMetrics, RequestKind } from "./metrics";

const EXEMPT = /^\/(healthz|livez|readyz)(\/|$)/;
const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const RETRY_AFTER_SECONDS = 1;

export function tooManyRequests(): ApiError {
  return new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: RETRY_AFTER_SECONDS });
}

export function requestKind(method: string, longRunning: boolean): RequestKind {
  return longRunning ? "longRunning" : READ_ONLY_METHODS.has(method) ? "readOnly" : "mutating";
}

export function withMaxInFlightLimit(limits: ServerLimits, metrics: FilterMetrics): Filter {
  const caps: Record<RequestKind, number> = {
    readOnly: limits.maxRequestsInflight,
    mutating: limits.maxMutatingRequestsInflight,
    longRunning: limits.maxLongRunningRequests,
  };
  const inflight: Record<RequestKind, number> = { readOnly: 0, mutating: 0, longRunning: 0 };
  // Not an async function: one promise (the release) per request, none for the check.
  return (next) => (ctx) => {
    const info = requestInfo(ctx);
    if (EXEMPT.test(info.url.pathname)) return next(ctx);
    const kind = requestKind(ctx.req.method ?? "GET", info.longRunning);
    if (caps[kind] > 0 && inflight[kind] >= caps[kind]) {
      metrics.terminated(kind, info.verb, info.resource?.plural ?? "", 429);
      ctx.req.resume(); // the body is not read: let the connection go on
      ctx.reply(429, tooManyRequests().toStatus(), { "Retry-After": String(RETRY_AFTER_SECONDS) });
      return Promise.resolve();
    }
    inflight[kind]++;
    metrics.inflight(kind, 1);
    // Released when the handler returns or the client goes away, whichever comes first.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inflight[kind]--;
      metrics.inflight(kind, -1);
    };
    // `on`, not `once`: release is idempotent and "close" comes once, so no once-wrapper per request.
    ctx.res.on("close", release);
    let handled: Promise<void>;
    try {
      handled = next(ctx);
    } catch (err) {
      release();
      return Promise.reject(err);
    }
    return handled.finally(release);
  };
}
