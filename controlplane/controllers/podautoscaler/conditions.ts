// The HPA's conditions (AbleToScale, ScalingActive, ScalingLimited), set as Kubernetes' setCondition
// does: the lastTransitionTime moves only when the status changes.
import type { HorizontalPodAutoscalerCondition } from "../../../api/autoscaling";
import { rfc3339 } from "../../../api/time";

export type ConditionType = "AbleToScale" | "ScalingActive" | "ScalingLimited";

export function setCondition(conditions: HorizontalPodAutoscalerCondition[], type: ConditionType, status: "True" | "False", reason: string, message: string, nowMs: number): void {
  const i = conditions.findIndex((c) => c.type === type);
  const old = i >= 0 ? conditions[i] : undefined;
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(nowMs);
  const next = { type, status, lastTransitionTime, reason, message };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}
