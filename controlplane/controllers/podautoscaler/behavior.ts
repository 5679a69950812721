// The scaling rules an HPA runs with: its spec.behavior with Kubernetes' defaults filled in, or
// the defaults alone; a scale-down window the spec leaves open is the controller's
// --horizontal-pod-autoscaler-downscale-stabilization (5 min), as maybeInitScaleDownStabilizationWindow has it.
import type { HorizontalPodAutoscalerBehavior } from "../../../api/autoscaling";
import { completeRules, defaultScaleDownRules, defaultScaleUpRules } from "../../../api/autoscaling-rules";
import type { Rules } from "./normalize";

export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

export function effectiveRules(behavior: HorizontalPodAutoscalerBehavior | undefined, downscaleStabilizationMs: number): Rules {
  const up = completeRules(behavior?.scaleUp, defaultScaleUpRules());
  const down = completeRules(behavior?.scaleDown, defaultScaleDownRules());
  return {
    scaleUp: { ...up, stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0 },
    scaleDown: { ...down, stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? Math.round(downscaleStabilizationMs / 1000) },
  };
}
