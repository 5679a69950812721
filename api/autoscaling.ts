// autoscaling/v2 HorizontalPodAutoscaler: the schema (k8s.io/api/autoscaling/v2). The served
// resource is in autoscaling-resource.ts, defaults and validation in autoscaling-rules.ts, the
// Table in autoscaling-printer.ts, the autoscaling/v1 form kubectl autoscale writes in autoscaling-v1.ts.
import { z } from "zod";
import { LabelSelector, ObjectMeta, Time, typeMeta } from "./meta";
import { Quantity } from "./quantity-schema";

const v2 = (name: string, description: string) => ({ id: `io.k8s.api.autoscaling.v2.${name}`, description });
const int = () => z.number().int();

export const CrossVersionObjectReference = z
  .strictObject({
    kind: z.string().describe('kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    name: z.string().describe("name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"),
    apiVersion: z.string().optional().describe("apiVersion is the API version of the referent"),
  })
  .meta(v2("CrossVersionObjectReference", "CrossVersionObjectReference contains enough information to let you identify the referred resource."));
export type CrossVersionObjectReference = z.infer<typeof CrossVersionObjectReference>;

export const MetricTarget = z
  .strictObject({
    type: z.string().describe("type represents whether the metric type is Utilization, Value, or AverageValue"),
    value: Quantity.optional().describe("value is the target value of the metric (as a quantity)."),
    averageValue: Quantity.optional().describe("averageValue is the target value of the average of the metric across all relevant pods (as a quantity)"),
    averageUtilization: int().optional().describe("averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods. Currently only valid for Resource metric source type"),
  })
  .meta(v2("MetricTarget", "MetricTarget defines the target value, average value, or average utilization of a specific metric"));
export type MetricTarget = z.infer<typeof MetricTarget>;

export const MetricValueStatus = z
  .strictObject({
    value: Quantity.optional().describe("value is the current value of the metric (as a quantity)."),
    averageValue: Quantity.optional().describe("averageValue is the current value of the average of the metric across all relevant pods (as a quantity)"),
    averageUtilization: int().optional().describe("currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods."),
  })
  .meta(v2("MetricValueStatus", "MetricValueStatus holds the current value for a metric"));
export type MetricValueStatus = z.infer<typeof MetricValueStatus>;

const MetricIdentifier = z
  .strictObject({
    name: z.string().describe("name is the name of the given metric"),
    selector: LabelSelector.optional().describe("selector is the string-encoded form of a standard kubernetes label selector for the given metric."),
  })
  .meta(v2("MetricIdentifier", "MetricIdentifier defines the name and optionally selector for a metric"));

const ResourceMetricSource = z
  .strictObject({ name: z.string().describe("name is the name of the resource in question."), target: MetricTarget.describe("target specifies the target value for the given metric") })
  .meta(v2("ResourceMetricSource", "ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory)."));
const ContainerResourceMetricSource = z
  .strictObject({ name: z.string(), container: z.string().describe("container is the name of the container in the pods of the scaling target"), target: MetricTarget })
  .meta(v2("ContainerResourceMetricSource", "ContainerResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing a single container in each pod of the current scale target."));
const PodsMetricSource = z.strictObject({ metric: MetricIdentifier, target: MetricTarget }).meta(v2("PodsMetricSource", "PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target."));
const ObjectMetricSource = z
  .strictObject({ describedObject: CrossVersionObjectReference, metric: MetricIdentifier, target: MetricTarget })
  .meta(v2("ObjectMetricSource", "ObjectMetricSource indicates how to scale on a metric describing a kubernetes object."));
const ExternalMetricSource = z.strictObject({ metric: MetricIdentifier, target: MetricTarget }).meta(v2("ExternalMetricSource", "ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object."));

export const MetricSpec = z
  .strictObject({
    type: z.string().describe('type is the type of metric source.  It should be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.'),
    resource: ResourceMetricSource.optional(),
    containerResource: ContainerResourceMetricSource.optional(),
    pods: PodsMetricSource.optional(),
    object: ObjectMetricSource.optional(),
    external: ExternalMetricSource.optional(),
  })
  .meta(v2("MetricSpec", "MetricSpec specifies how to scale based on a single metric (only `type` and one other matching field should be set at once)."));
export type MetricSpec = z.infer<typeof MetricSpec>;

const currentOf = <T extends z.ZodRawShape>(name: string, extra: T) =>
  z.strictObject({ ...extra, current: MetricValueStatus.describe("current contains the current value for the given metric") }).meta(v2(name, `${name} indicates the current value of a metric.`));

export const MetricStatus = z
  .strictObject({
    type: z.string().describe('type is the type of metric source.  It will be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each corresponds to a matching field in the object.'),
    resource: currentOf("ResourceMetricStatus", { name: z.string() }).optional(),
    containerResource: currentOf("ContainerResourceMetricStatus", { name: z.string(), container: z.string() }).optional(),
    pods: currentOf("PodsMetricStatus", { metric: MetricIdentifier }).optional(),
    object: currentOf("ObjectMetricStatus", { metric: MetricIdentifier, describedObject: CrossVersionObjectReference }).optional(),
    external: currentOf("ExternalMetricStatus", { metric: MetricIdentifier }).optional(),
  })
  .meta(v2("MetricStatus", "MetricStatus describes the last-read state of a single metric."));
export type MetricStatus = z.infer<typeof MetricStatus>;

export const HPAScalingPolicy = z
  .strictObject({
    type: z.string().describe("type is used to specify the scaling policy."),
    value: int().describe("value contains the amount of change which is permitted by the policy. It must be greater than zero"),
    periodSeconds: int().describe("periodSeconds specifies the window of time for which the policy should hold true. PeriodSeconds must be greater than zero and less than or equal to 1800 (30 min)."),
  })
  .meta(v2("HPAScalingPolicy", "HPAScalingPolicy is a single policy which must hold true for a specified past interval."));
export type HPAScalingPolicy = z.infer<typeof HPAScalingPolicy>;

export const HPAScalingRules = z
  .strictObject({
    stabilizationWindowSeconds: int().optional().describe("stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down."),
    selectPolicy: z.string().optional().describe("selectPolicy is used to specify which policy should be used. If not set, the default value Max is used."),
    policies: z.array(HPAScalingPolicy).optional().describe("policies is a list of potential scaling polices which can be used during scaling."),
  })
  .meta(v2("HPAScalingRules", "HPAScalingRules configures the scaling behavior for one direction."));
export type HPAScalingRules = z.infer<typeof HPAScalingRules>;

export const HorizontalPodAutoscalerBehavior = z
  .strictObject({
    scaleUp: HPAScalingRules.optional().describe("scaleUp is scaling policy for scaling Up."),
    scaleDown: HPAScalingRules.optional().describe("scaleDown is scaling policy for scaling Down."),
  })
  .meta(v2("HorizontalPodAutoscalerBehavior", "HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively)."));
export type HorizontalPodAutoscalerBehavior = z.infer<typeof HorizontalPodAutoscalerBehavior>;

export const HorizontalPodAutoscalerSpec = z
  .strictObject({
    scaleTargetRef: CrossVersionObjectReference.describe("scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
    minReplicas: int().optional().describe("minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod."),
    maxReplicas: int().describe("maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
    metrics: z.array(MetricSpec).optional().describe("metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
    behavior: HorizontalPodAutoscalerBehavior.optional().describe("behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively)."),
  })
  .meta(v2("HorizontalPodAutoscalerSpec", "HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler."));
export type HorizontalPodAutoscalerSpec = z.infer<typeof HorizontalPodAutoscalerSpec>;

export const HorizontalPodAutoscalerCondition = z
  .strictObject({
    type: z.string().describe("type describes the current condition"),
    status: z.string().describe("status is the status of the condition (True, False, Unknown)"),
    lastTransitionTime: Time.optional().describe("lastTransitionTime is the last time the condition transitioned from one status to another"),
    reason: z.string().optional().describe("reason is the reason for the condition's last transition."),
    message: z.string().optional().describe("message is a human-readable explanation containing details about the transition"),
  })
  .meta(v2("HorizontalPodAutoscalerCondition", "HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point."));
export type HorizontalPodAutoscalerCondition = z.infer<typeof HorizontalPodAutoscalerCondition>;

export const HorizontalPodAutoscalerStatus = z
  .strictObject({
    observedGeneration: int().optional().describe("observedGeneration is the most recent generation observed by this autoscaler."),
    lastScaleTime: Time.optional().describe("lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed."),
    currentReplicas: int().optional().describe("currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
    desiredReplicas: int().describe("desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler."),
    currentMetrics: z.array(MetricStatus).optional().describe("currentMetrics is the last read state of the metrics used by this autoscaler."),
    conditions: z.array(HorizontalPodAutoscalerCondition).optional().describe("conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met."),
  })
  .meta(v2("HorizontalPodAutoscalerStatus", "HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler."));
export type HorizontalPodAutoscalerStatus = z.infer<typeof HorizontalPodAutoscalerStatus>;

export const HorizontalPodAutoscaler = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("metadata is the standard object metadata."),
    spec: HorizontalPodAutoscalerSpec.describe("spec is the specification for the behaviour of the autoscaler."),
    status: HorizontalPodAutoscalerStatus.optional().describe("status is the current information about the autoscaler."),
  })
  .meta(v2("HorizontalPodAutoscaler", "HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified."));
export type HorizontalPodAutoscaler = z.infer<typeof HorizontalPodAutoscaler>;
