// What a watch may buffer for a slow client, and where it reports the watches the server ends:
// set per request by withWatchLimits, read by serveWatch (watch.ts) from the response's request,
// so the watch needs no extra parameters from the handlers that start it.
import type { IncomingMessage } from "node:http";
import type { Filter } from "../filter";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits";
import { NO_METRICS, type FilterMetrics } from "./metrics";

export interface WatchLimits {
  /** Bytes that may wait for the client before the watch is closed (SlowConsumer). */
  sendBufferBytes: number;
  metrics: FilterMetrics;
}

const byRequest = new WeakMap<IncomingMessage, WatchLimits>();

const DEFAULT_WATCH_LIMITS: WatchLimits = { sendBufferBytes: DEFAULT_LIMITS.watchSendBufferBytes, metrics: NO_METRICS };

export function watchLimitsFor(req: IncomingMessage | undefined): WatchLimits {
  return (req && byRequest.get(req)) ?? DEFAULT_WATCH_LIMITS;
}

export function setWatchLimits(req: IncomingMessage, limits: ServerLimits, metrics: FilterMetrics): void {
  byRequest.set(req, { sendBufferBytes: limits.watchSendBufferBytes, metrics });
}

/** Gives every request's watch (if it becomes one) the server's send buffer and metrics. */
export function withWatchLimits(limits: ServerLimits, metrics: FilterMetrics): Filter {
  return (next) => (ctx) => {
    if (requestIsWatch(ctx.req)) setWatchLimits(ctx.req, limits, metrics);
    return next(ctx);
  };
}

function requestIsWatch(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.url ?? "").includes("watch=");
}
