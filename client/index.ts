// The client surface: everything components use to talk to the API server.
export * from "./errors";
export * from "./resources";
export * from "./kubeconfig";
export type { Impersonation, RequestOptions, QueryValue, TransportOptions } from "./transport";
export * from "./rest";
export * from "./watch";
export * from "./keys";
export * from "./clock";
export * from "./ratelimiter";
export * from "./limiter";
export * from "./workqueue";
export * from "./indexer";
export * from "./reflector";
export * from "./informer";
export * from "./controller";
export * from "./events";
export * from "./metrics";
