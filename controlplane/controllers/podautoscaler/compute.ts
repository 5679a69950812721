// computeReplicasForMetrics: one proposal per metric of the HPA, the largest wins; a metric that
// cannot be read is reported (ScalingActive False, a Warning event) and the others still count.
// Only resource metrics (Resource, ContainerResource) have a source here: Pods, Object and
// External need a custom or external metrics API, which kubelab does not serve.
import type { MetricSpec, MetricStatus } from "../../../api/autoscaling";
import type { Pod } from "../../../api/core";
import type { PodMetrics } from "../../../api/metrics";
import { parseQuantity } from "../../../api/quantity";
import { podInfo, podMetricMap } from "./pod-metrics";
import { milliQuantity, resourceReplicas, type ReplicaTarget } from "./replicas";

export interface MetricsReader {
  /** The target's pods (the scale's selector) from the cache. */
  pods(): Pod[];
  /** metrics.k8s.io PodMetrics of those pods. */
  podMetrics(): Promise<PodMetrics[]>;
}

export interface MetricProposal {
  replicas: number;
  /** "cpu resource utilization (percentage of request)": the rescale reason names it. */
  name: string;
  status: MetricStatus;
}

export interface MetricFailure {
  /** FailedGetResourceMetric, FailedGetPodsMetric, ...: the event's and the condition's reason. */
  reason: string;
  /** "failed to get cpu utilization: ..." */
  message: string;
  /** The error as computeReplicasForMetric wraps it for FailedComputeMetricsReplicas. */
  wrapped: string;
}

export interface MetricsOutcome {
  proposals: MetricProposal[];
  failures: MetricFailure[];
  /** One per metric spec, in order; an empty one where the metric failed. */
  statuses: MetricStatus[];
}

function target(t: { type: string; averageUtilization?: number; averageValue?: string | number }): ReplicaTarget | undefined {
  if (t.type === "Utilization" && t.averageUtilization !== undefined) return { type: "Utilization", averageUtilization: t.averageUtilization };
  if (t.type === "AverageValue" && t.averageValue !== undefined) return { type: "AverageValue", averageValue: Math.round(parseQuantity(t.averageValue) * 1000) };
  return undefined;
}

async function resourceProposal(spec: MetricSpec, reader: MetricsReader, current: number, nowMs: number): Promise<MetricProposal> {
  const src = spec.resource ?? spec.containerResource!;
  const container = spec.containerResource?.container;
  const t = target(src.target);
  const what = t?.type === "Utilization" ? "utilization" : "usage";
  if (!t) throw new Error(`invalid target for ${src.name}: type ${src.target.type} is not supported for resource metrics`);
  let metrics;
  try {
    metrics = podMetricMap(await reader.podMetrics(), src.name, container);
  } catch (err) {
    throw new Error(`failed to get ${src.name} ${what}: unable to get metrics for resource ${src.name}: unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
  }
  if (metrics.size === 0) throw new Error(`failed to get ${src.name} ${what}: unable to get metrics for resource ${src.name}: no metrics returned from resource metrics API`);
  let out;
  try {
    out = resourceReplicas({ currentReplicas: current, resource: src.name, target: t, pods: reader.pods().map((p) => podInfo(p, src.name, container)), metrics, nowMs });
  } catch (err) {
    throw new Error(`failed to get ${src.name} ${what}: ${(err as Error).message}`);
  }
  const value = { averageValue: milliQuantity(out.averageValue), ...(out.utilization !== undefined ? { averageUtilization: out.utilization } : {}) };
  const status: MetricStatus = spec.containerResource
    ? { type: "ContainerResource", containerResource: { name: src.name, container: container!, current: value } }
    : { type: "Resource", resource: { name: src.name, current: value } };
  const name = `${spec.containerResource ? "container " : ""}${src.name} resource${t.type === "Utilization" ? " utilization (percentage of request)" : ""}`;
  return { replicas: out.replicas, name, status };
}

const UNSERVED: Record<string, string> = { Pods: "FailedGetPodsMetric", Object: "FailedGetObjectMetric", External: "FailedGetExternalMetric" };

export async function computeMetrics(specs: MetricSpec[], reader: MetricsReader, current: number, nowMs: number): Promise<MetricsOutcome> {
  const outcome: MetricsOutcome = { proposals: [], failures: [], statuses: [] };
  for (const spec of specs) {
    if (spec.type === "Resource" || spec.type === "ContainerResource") {
      const reason = spec.type === "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
      const name = (spec.resource ?? spec.containerResource)?.name ?? "";
      try {
        const p = await resourceProposal(spec, reader, current, nowMs);
        outcome.proposals.push(p);
        outcome.statuses.push(p.status);
      } catch (err) {
        const message = (err as Error).message;
        outcome.failures.push({ reason, message, wrapped: `failed to get ${name} ${spec.type === "Resource" ? "resource" : "container resource"} metric value: ${message}` });
        outcome.statuses.push({ type: "" });
      }
      continue;
    }
    const metric = (spec.pods ?? spec.object ?? spec.external)?.metric.name ?? "";
    const api = spec.type === "External" ? "external.metrics.k8s.io" : "custom.metrics.k8s.io";
    const message = `unable to get metric ${metric}: no ${api} API is served by this cluster`;
    outcome.failures.push({ reason: UNSERVED[spec.type] ?? "InvalidMetricSourceType", message, wrapped: message });
    outcome.statuses.push({ type: "" });
  }
  return outcome;
}
