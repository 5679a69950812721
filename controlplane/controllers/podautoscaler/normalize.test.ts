import { describe, expect, it } from "vitest";
import { effectiveRules } from "./behavior";
import { applyRateLimits, newMemory, recordScaleEvent, stabilize, type AutoscalerMemory } from "./normalize";

const rules = effectiveRules(undefined, 300_000);
const S = 1000;

/** The normalization step as the controller runs it, recording the rescale like the controller. */
function step(mem: AutoscalerMemory, current: number, proposal: number, nowMs: number, min = 1, max = 10): number {
  const stable = stabilize(mem, rules, current, proposal, nowMs);
  const limited = applyRateLimits(mem, rules, current, stable.replicas, min, max, nowMs);
  if (limited.replicas !== current) recordScaleEvent(mem, rules, current, limited.replicas, nowMs);
  return limited.replicas;
}

describe("the default behavior (scale up max(100 %, 4 pods) per 15 s; down 100 % per 15 s after a 300 s window)", () => {
  it("scales up at once, by at most 4 pods or double in 15 s", () => {
    const mem = newMemory(1, 0);
    expect(step(mem, 1, 20, 1 * S)).toBe(5);
    // Within the same 15 s period the 4 pods already added count: no more.
    expect(step(mem, 5, 20, 5 * S)).toBe(5);
    // A new period: doubling (10) beats 4 pods (9); max 10.
    expect(step(mem, 5, 20, 17 * S)).toBe(10);
  });

  it("holds a scale-down until the highest recommendation of the last 300 s is the lower one", () => {
    const mem = newMemory(4, 0);
    expect(step(mem, 4, 1, 15 * S)).toBe(4);
    expect(step(mem, 4, 1, 200 * S)).toBe(4);
    // The initial recommendation of 4 (t=0) has left the window at 300 s.
    expect(step(mem, 4, 1, 301 * S)).toBe(1);
  });

  it("reports why the count is limited", () => {
    const mem = newMemory(2, 0);
    const stable = stabilize(mem, rules, 2, 50, 1 * S);
    expect(stable).toMatchObject({ replicas: 50, reason: "ScaleUpStabilized" });
    expect(applyRateLimits(mem, rules, 2, 50, 1, 100, 1 * S)).toMatchObject({ replicas: 6, reason: "ScaleUpLimit", message: "the desired replica count is increasing faster than the maximum scale rate" });
    expect(applyRateLimits(mem, rules, 2, 50, 1, 3, 1 * S)).toMatchObject({ replicas: 3, reason: "TooManyReplicas" });
    expect(applyRateLimits(mem, rules, 5, 0, 2, 10, 1 * S)).toMatchObject({ replicas: 2, reason: "TooFewReplicas" });
    expect(applyRateLimits(mem, rules, 3, 3, 1, 10, 1 * S)).toMatchObject({ replicas: 3, reason: "DesiredWithinRange" });
  });

  it("takes a shorter window from the flag, and a behavior's own policies when given", () => {
    const fast = effectiveRules(undefined, 6_000);
    expect(fast.scaleDown.stabilizationWindowSeconds).toBe(6);
    const own = effectiveRules({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } }, 300_000);
    const mem = newMemory(5, 0);
    expect(applyRateLimits(mem, own, 5, 1, 1, 10, 1 * S)).toMatchObject({ replicas: 4, reason: "ScaleDownLimit" });
    expect(own.scaleUp.policies).toHaveLength(2);
  });
});
