// autoscaling/v2 HorizontalPodAutoscaler defaults and validation, as Kubernetes 1.32 has them
// (pkg/apis/autoscaling/v2/defaults.go, pkg/apis/autoscaling/validation): minReplicas 1, CPU
// at 80 % when no metric is given, and the behavior's policies filled in only when a behavior is
// given (the controller's --horizontal-pod-autoscaler-downscale-stabilization applies otherwise).
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricTarget } from "./autoscaling";
import { parseQuantity } from "./quantity";
import type { FieldCause } from "./resource";
import { fieldError } from "./validation";

export const DEFAULT_CPU_UTILIZATION = 80;

/** The default scale-up rules: the larger of 4 pods or 100 % per 15 s, no stabilization. */
export function defaultScaleUpRules(): Required<Omit<HPAScalingRules, "stabilizationWindowSeconds">> & { stabilizationWindowSeconds: number } {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  };
}

/** The default scale-down rules: 100 % per 15 s; the window is the controller's flag unless set. */
export function defaultScaleDownRules(): HPAScalingRules {
  return { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
}

/** Rules given, with what they leave out taken from the defaults (copyHPAScalingRules). */
export function completeRules(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!given) return defaults;
  return {
    ...(given.stabilizationWindowSeconds !== undefined
      ? { stabilizationWindowSeconds: given.stabilizationWindowSeconds }
      : defaults.stabilizationWindowSeconds !== undefined
        ? { stabilizationWindowSeconds: defaults.stabilizationWindowSeconds }
        : {}),
    selectPolicy: given.selectPolicy ?? defaults.selectPolicy,
    policies: given.policies ?? defaults.policies,
  };
}

export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  hpa.spec.minReplicas ??= 1;
  if (!hpa.spec.metrics || hpa.spec.metrics.length === 0) {
    hpa.spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const b = hpa.spec.behavior;
  if (b) {
    b.scaleUp = completeRules(b.scaleUp, defaultScaleUpRules());
    b.scaleDown = completeRules(b.scaleDown, defaultScaleDownRules());
  }
}

const positive = (q: string | number | undefined): boolean => {
  if (q === undefined) return false;
  try {
    return parseQuantity(q) > 0;
  } catch {
    return false;
  }
};

function validateTarget(t: MetricTarget, path: string, allowUtilization: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  const types = allowUtilization ? ["Utilization", "Value", "AverageValue"] : ["Value", "AverageValue"];
  if (!t.type) out.push(fieldError.required(`${path}.type`, "must specify a metric target type"));
  else if (!types.includes(t.type)) out.push(fieldError.notSupported(`${path}.type`, t.type, types));
  if (t.value !== undefined && !positive(t.value)) out.push(fieldError.invalid(`${path}.value`, t.value, "must be positive"));
  if (t.averageValue !== undefined && !positive(t.averageValue)) out.push(fieldError.invalid(`${path}.averageValue`, t.averageValue, "must be positive"));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1) out.push(fieldError.invalid(`${path}.averageUtilization`, t.averageUtilization, "must be greater than 0"));
  if (t.type === "Utilization" && t.averageUtilization === undefined) out.push(fieldError.required(`${path}.averageUtilization`, "must set averageUtilization when metric target type is Utilization"));
  if (t.type === "AverageValue" && t.averageValue === undefined) out.push(fieldError.required(`${path}.averageValue`, "must set averageValue when metric target type is AverageValue"));
  if (t.type === "Value" && t.value === undefined) out.push(fieldError.required(`${path}.value`, "must set value when metric target type is Value"));
  return out;
}

const SOURCES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const FIELD_OF: Record<string, keyof MetricSpec> = { ContainerResource: "containerResource", External: "external", Object: "object", Pods: "pods", Resource: "resource" };

function validateMetric(m: MetricSpec, path: string): FieldCause[] {
  if (!m.type) return [fieldError.required(`${path}.type`, "must specify a metric source type")];
  if (!SOURCES.includes(m.type)) return [fieldError.notSupported(`${path}.type`, m.type, SOURCES)];
  const set = SOURCES.filter((s) => m[FIELD_OF[s]!] !== undefined);
  if (set.length > 1 || (set.length === 1 && set[0] !== m.type)) return [fieldError.forbidden(path, "must populate the given metric source only")];
  const field = FIELD_OF[m.type]!;
  if (m[field] === undefined) return [fieldError.required(`${path}.${field}`, `must populate information for the given metric source`)];
  if (m.resource) {
    const r = m.resource;
    return [...(r.name ? [] : [fieldError.required(`${path}.resource.name`, "must specify a resource name")]), ...validateTarget(r.target, `${path}.resource.target`, true)];
  }
  if (m.containerResource) {
    const r = m.containerResource;
    return [
      ...(r.name ? [] : [fieldError.required(`${path}.containerResource.name`, "must specify a resource name")]),
      ...(r.container ? [] : [fieldError.required(`${path}.containerResource.container`, "must specify a container")]),
      ...validateTarget(r.target, `${path}.containerResource.target`, true),
    ];
  }
  const src = (m.pods ?? m.object ?? m.external)!;
  return [...(src.metric.name ? [] : [fieldError.required(`${path}.${field}.metric.name`, "must specify a metric name")]), ...validateTarget(src.target, `${path}.${field}.target`, false)];
}

function validateRules(r: HPAScalingRules | undefined, path: string): FieldCause[] {
  if (!r) return [];
  const out: FieldCause[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (w < 0 || w > 3600)) out.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, w, w < 0 ? "must be greater than or equal to zero" : "must be less than or equal to 3600"));
  const selects = ["Disabled", "Max", "Min"];
  if (r.selectPolicy !== undefined && !selects.includes(r.selectPolicy)) out.push(fieldError.notSupported(`${path}.selectPolicy`, r.selectPolicy, selects));
  if (!r.policies || r.policies.length === 0) out.push(fieldError.required(`${path}.policies`, "must specify at least one Policy"));
  (r.policies ?? []).forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (p.type !== "Pods" && p.type !== "Percent") out.push(fieldError.notSupported(`${pp}.type`, p.type, ["Percent", "Pods"]));
    if (p.value <= 0) out.push(fieldError.invalid(`${pp}.value`, p.value, "must be greater than zero"));
    if (p.periodSeconds <= 0) out.push(fieldError.invalid(`${pp}.periodSeconds`, p.periodSeconds, "must be greater than zero"));
    else if (p.periodSeconds > 1800) out.push(fieldError.invalid(`${pp}.periodSeconds`, p.periodSeconds, "must be less than or equal to 1800"));
  });
  return out;
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): FieldCause[] {
  const s = hpa.spec;
  const out: FieldCause[] = [];
  if (!s.scaleTargetRef.kind) out.push(fieldError.required("spec.scaleTargetRef.kind"));
  if (!s.scaleTargetRef.name) out.push(fieldError.required("spec.scaleTargetRef.name"));
  else if (s.scaleTargetRef.name.includes("/") || s.scaleTargetRef.name.includes("%")) out.push(fieldError.invalid("spec.scaleTargetRef.name", s.scaleTargetRef.name, `may not contain '/' or '%'`));
  const min = s.minReplicas ?? 1;
  if (min < 1) out.push(fieldError.invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
  if (s.maxReplicas < 1) out.push(fieldError.invalid("spec.maxReplicas", s.maxReplicas, "must be greater than 0"));
  else if (s.maxReplicas < min) out.push(fieldError.invalid("spec.maxReplicas", s.maxReplicas, "must be greater than or equal to `minReplicas`"));
  (s.metrics ?? []).forEach((m, i) => out.push(...validateMetric(m, `spec.metrics[${i}]`)));
  out.push(...validateRules(s.behavior?.scaleUp, "spec.behavior.scaleUp"), ...validateRules(s.behavior?.scaleDown, "spec.behavior.scaleDown"));
  return out;
}
