// The API server's protective filters (their places in the chain are in ../handler-chain.ts),
// the limits they enforce and the HTTP server settings that go with them.
export { DEFAULT_LIMITS, type ServerLimits } from "./limits";
export { filterMetrics, NO_METRICS, type FilterMetrics, type WatchTerminationReason } from "./metrics";
export { withURLCheck } from "./url-check";
export { withQueryParamCheck, checkQueryParams } from "./query-params";
export { withMaxInFlightLimit } from "./max-inflight";
export { withRequestTimeout } from "./timeout";
export { withWriteTurns, WRITES_PER_TURN } from "./write-turns";
export { withWatchLimits } from "./watch-limits";
export { answerClientErrors, httpServerOptions } from "./http-server";
