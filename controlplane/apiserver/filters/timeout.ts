// WithTimeoutForNonLongRunningRequests, as kube-apiserver has it: a request that is not
// long-running gets --request-timeout (or less, when it asks with ?timeout=, as kubectl's
// --request-timeout does); when that passes the client gets 504 Timeout with kube's message and
// the handler's late answer is dropped. A response that has already begun is cut instead.
import { parseDuration } from "../../../api/duration";
import { ApiError } from "../errors";
import { requestInfo, type Filter, type RequestContext, type RequestInfo } from "../filter";
import type { ServerLimits } from "./limits";
import { requestKind } from "./max-inflight";
import type { FilterMetrics } from "./metrics";

export function timeoutError(): ApiError {
  return new ApiError(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded", { retryAfterSeconds: 0 });
}

/** A request waiting for its deadline; the sweeper answers it with 504 when the deadline passes first. */
interface Pending {
  deadline: number;
  expired: boolean;
  ctx: RequestContext;
  info: RequestInfo;
  metrics: FilterMetrics;
  /** Lets the filter return at the deadline, as kube-apiserver's does; the handler goes on. */
  wake(): void;
}

/**
 * One timer per filter instead of one per request (a setTimeout and clearTimeout on every request
 * was measurable on the create path): every SWEEP_MS the sweeper expires what is past its deadline,
 * so a deadline is kept to within SWEEP_MS.
 */
const SWEEP_MS = 250;

function expire(p: Pending): void {
  p.expired = true;
  p.metrics.terminated(requestKind(p.ctx.req.method ?? "GET", false), p.info.verb, p.info.resource?.plural ?? "", 504);
  if (p.ctx.res.headersSent) p.ctx.res.destroy();
  // The request (its body, perhaps) is unfinished: the connection cannot go on after the answer.
  else p.ctx.reply(504, timeoutError().toStatus(), { Connection: "close" });
  p.wake();
}

export function withRequestTimeout(limits: ServerLimits, metrics: FilterMetrics): Filter {
  const pending = new Set<Pending>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const p of pending) {
      if (p.deadline > now) continue;
      pending.delete(p);
      expire(p);
    }
    if (pending.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  // Not an async function, and no race: one promise per request that settles with the handler or
  // at the deadline, whichever comes first.
  return (next) => (ctx) => {
    const info = requestInfo(ctx);
    if (info.longRunning || limits.requestTimeoutMs <= 0) return next(ctx);
    const asked = info.url.searchParams.get("timeout");
    const askedMs = asked ? parseDuration(asked) : 0; // its syntax was checked by withQueryParamCheck
    const ms = askedMs > 0 ? Math.min(askedMs, limits.requestTimeoutMs) : limits.requestTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { deadline: Date.now() + ms, expired: false, ctx, info, metrics, wake: resolve };
      pending.add(entry);
      sweeper ??= setInterval(sweep, SWEEP_MS).unref();
      const settled = () => pending.delete(entry);
      let handled: Promise<void>;
      try {
        handled = next(ctx);
      } catch (err) {
        settled();
        return reject(err);
      }
      handled.then(
        () => {
          settled();
          resolve();
        },
        // After its 504 the handler went on (JavaScript cannot stop it): what it throws then is dropped.
        (err: unknown) => {
          settled();
          if (entry.expired) resolve();
          else reject(err);
        },
      );
    });
  };
}
