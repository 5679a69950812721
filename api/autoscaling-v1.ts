// autoscaling/v1 HorizontalPodAutoscaler: what `kubectl autoscale` (1.32) writes, and its
// conversion to and from the stored autoscaling/v2 form (pkg/apis/autoscaling/v1/conversion.go):
// targetCPUUtilizationPercentage is the v2 CPU Utilization metric; what v1 cannot say (other
// metrics, behavior, conditions) travels in the autoscaling.alpha.kubernetes.io annotations.
import { z } from "zod";
import type { HorizontalPodAutoscaler as HPAv2, MetricSpec, HorizontalPodAutoscalerBehavior } from "./autoscaling";
import { CrossVersionObjectReference } from "./autoscaling";
import { defineResource } from "./define";
import { ObjectMeta, Time, typeMeta } from "./meta";

const v1 = (name: string, description: string) => ({ id: `io.k8s.api.autoscaling.v1.${name}`, description });
const int = () => z.number().int();

export const HorizontalPodAutoscalerV1 = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    spec: z
      .strictObject({
        scaleTargetRef: CrossVersionObjectReference,
        minReplicas: int().optional(),
        maxReplicas: int(),
        targetCPUUtilizationPercentage: int().optional().describe("targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used."),
      })
      .meta(v1("HorizontalPodAutoscalerSpec", "specification of a horizontal pod autoscaler.")),
    status: z
      .strictObject({
        observedGeneration: int().optional(),
        lastScaleTime: Time.optional(),
        currentReplicas: int(),
        desiredReplicas: int(),
        currentCPUUtilizationPercentage: int().optional(),
      })
      .meta(v1("HorizontalPodAutoscalerStatus", "current status of a horizontal pod autoscaler"))
      .optional(),
  })
  .meta(v1("HorizontalPodAutoscaler", "configuration of a horizontal pod autoscaler."));
export type HorizontalPodAutoscalerV1 = z.infer<typeof HorizontalPodAutoscalerV1>;

export const horizontalpodautoscalersV1 = defineResource<HorizontalPodAutoscalerV1>({
  group: "autoscaling",
  version: "v1",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  subresources: ["status"],
  verbs: ["create", "delete", "get", "list", "update"],
  schema: HorizontalPodAutoscalerV1,
});

export const METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
export const CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
export const CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
export const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
const OWN_ANNOTATIONS = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const isCpuUtilization = (m: MetricSpec) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization";

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A v1 object as the v2 one it stands for (status is the server's: not converted in). */
export function hpaFromV1(o: HorizontalPodAutoscalerV1): HPAv2 {
  const annotations = { ...(o.metadata.annotations ?? {}) };
  const extra = parseJson<MetricSpec[]>(annotations[METRICS_ANNOTATION]) ?? [];
  const behavior = parseJson<HorizontalPodAutoscalerBehavior>(annotations[BEHAVIOR_ANNOTATION]);
  for (const k of OWN_ANNOTATIONS) delete annotations[k];
  const metrics: MetricSpec[] = [];
  if (o.spec.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: o.spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...(Array.isArray(extra) ? extra : []));
  const { targetCPUUtilizationPercentage: _t, ...spec } = o.spec;
  const metadata: HPAv2["metadata"] = { ...o.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: { ...spec, ...(metrics.length ? { metrics } : {}), ...(behavior ? { behavior } : {}) },
  } as HPAv2;
}

/** The stored v2 object as a v1 client sees it. */
export function hpaToV1(o: HPAv2): HorizontalPodAutoscalerV1 {
  const metrics = o.spec.metrics ?? [];
  const cpuIndex = metrics.findIndex(isCpuUtilization);
  const others = metrics.filter((_, i) => i !== cpuIndex);
  const annotations: Record<string, string> = { ...(o.metadata.annotations ?? {}) };
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (o.spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(o.spec.behavior);
  const status = o.status;
  const currentCpu = cpuIndex >= 0 ? status?.currentMetrics?.[cpuIndex]?.resource?.current.averageUtilization : undefined;
  const otherCurrent = (status?.currentMetrics ?? []).filter((_, i) => i !== cpuIndex);
  if (otherCurrent.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  const metadata = { ...o.metadata } as HorizontalPodAutoscalerV1["metadata"];
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: {
      scaleTargetRef: o.spec.scaleTargetRef,
      ...(o.spec.minReplicas !== undefined ? { minReplicas: o.spec.minReplicas } : {}),
      maxReplicas: o.spec.maxReplicas,
      ...(cpuIndex >= 0 ? { targetCPUUtilizationPercentage: metrics[cpuIndex]!.resource!.target.averageUtilization } : {}),
    },
    status: {
      ...(status?.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status?.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status?.currentReplicas ?? 0,
      desiredReplicas: status?.desiredReplicas ?? 0,
      ...(currentCpu !== undefined ? { currentCPUUtilizationPercentage: currentCpu } : {}),
    },
  };
}
