// The metrics pipeline inside the API server: the scraper fills the store from every Ready node's
// agent, the filter serves metrics.k8s.io from it, and discovery lists the group while it runs.
// In Kubernetes this is metrics-server behind the aggregator; here the API server is both, so
// `kubectl top` works on any kubelab server without a Deployment to install. Every API server
// of an HA control plane scrapes for itself: each answers from its own store.
import type { Logger } from "pino";
import type { Node } from "../../../api/core";
import { metricsResourceTypes } from "../../../api/metrics";
import type { ResourceType } from "../../../api/resource";
import { Scraper } from "./scraper";
import { MetricsStore } from "./store";
import type { Registry } from "../registry";
import type { MetricsApiConfig } from "./filter";

export { withMetricsApi, type MetricsApiConfig } from "./filter";

export interface MetricsServerOptions {
  /** --metric-resolution: how often every node is scraped (default 15 s). */
  resolutionMs?: number;
  /** Headers that authenticate the scraper to the agents. */
  agentHeaders?(): Record<string, string>;
}

export interface MetricsPipeline {
  api: MetricsApiConfig;
  /** The metrics.k8s.io resources, for discovery. */
  types: ResourceType[];
  stop(): void;
}

export function startMetricsPipeline(opts: MetricsServerOptions, registry: Registry, typeOfKind: (kind: string) => ResourceType, logger: Logger): MetricsPipeline {
  const store = new MetricsStore();
  const nodes = typeOfKind("Node");
  const scraper = new Scraper({
    store,
    listNodes: async () => (await registry.list(nodes, undefined)).items as unknown as Node[],
    resolutionMs: opts.resolutionMs,
    agentHeaders: opts.agentHeaders,
    logger,
  });
  scraper.start();
  return {
    api: { store, registry, pods: typeOfKind("Pod") },
    types: metricsResourceTypes,
    stop: () => scraper.stop(),
  };
}
