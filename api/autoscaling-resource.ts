// The served autoscaling/v2 HorizontalPodAutoscaler resource: the schema (autoscaling.ts) with
// Kubernetes' defaults and validation (autoscaling-rules.ts).
import { HorizontalPodAutoscaler } from "./autoscaling";
import { defaultHorizontalPodAutoscaler, validateHorizontalPodAutoscaler } from "./autoscaling-rules";
import { defineResource } from "./define";

export const horizontalpodautoscalers = defineResource<HorizontalPodAutoscaler>({
  group: "autoscaling",
  version: "v2",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  subresources: ["status"],
  schema: HorizontalPodAutoscaler,
  defaults: defaultHorizontalPodAutoscaler,
  validateObject: validateHorizontalPodAutoscaler,
});
