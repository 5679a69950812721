// The APIs the server answers beside its stored resources, each from a filter of its own:
// metrics.k8s.io (the metrics pipeline, ./metrics-api) and autoscaling/v1 HorizontalPodAutoscalers
// as views of the v2 ones (./autoscaling-v1). What the handler chain, discovery and close need.
import type { Logger } from "pino";
import type { ResourceType } from "../../api/resource";
import { autoscalingV1Serving } from "./autoscaling-v1";
import type { ChainConfig } from "./handler-chain";
import { startMetricsPipeline, type MetricsServerOptions } from "./metrics-api";
import type { ResourceContext } from "./resource-request";

export interface ExtraApis {
  chain: Pick<ChainConfig, "metricsApi" | "autoscalingV1">;
  /** Their resources, for discovery. */
  types: ResourceType[];
  stop(): void;
}

export function startExtraApis(opts: { types: ResourceType[]; metricsServer?: MetricsServerOptions; logger: Logger }, resources: ResourceContext): ExtraApis {
  const hpaV1 = autoscalingV1Serving(opts.types, resources.registry, resources.maxBodyBytes);
  // The scraper presents the credential the server presents to agents (node-proxy-credential.ts).
  const credential = resources.nodeClient;
  const agentHeaders = (): Record<string, string> => (credential ? { Authorization: `Bearer ${credential.token}` } : {});
  const metrics = opts.metricsServer && startMetricsPipeline({ agentHeaders, ...opts.metricsServer }, resources.registry, resources.typeOfKind, opts.logger.child({ component: "metrics-server" }));
  return {
    chain: { metricsApi: metrics?.api, autoscalingV1: hpaV1?.config },
    types: [...(hpaV1?.types ?? []), ...(metrics?.types ?? [])],
    stop: () => metrics?.stop(),
  };
}
