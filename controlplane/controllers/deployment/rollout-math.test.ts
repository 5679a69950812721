import { describe, expect, it } from "vitest";
import { maxScaledDown, newReplicaSetReplicas, proportionalScale, resolveFenceposts, scaleDownOldest } from "./rollout-math";

describe("rolling update arithmetic", () => {
  it("rounds surge up and unavailable down from the 25% defaults", () => {
    expect(resolveFenceposts(undefined, undefined, 3)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(resolveFenceposts(undefined, undefined, 10)).toEqual({ maxSurge: 3, maxUnavailable: 2 });
    expect(resolveFenceposts(2, "50%", 5)).toEqual({ maxSurge: 2, maxUnavailable: 2 });
  });
  it("never lets both be zero", () => {
    expect(resolveFenceposts(0, 0, 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveFenceposts("0%", "10%", 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });
  it("grows the new ReplicaSet only up to desired + maxSurge pods in all", () => {
    expect(newReplicaSetReplicas({ desired: 3, maxSurge: 1, newReplicas: 0, totalReplicas: 3 })).toBe(1);
    expect(newReplicaSetReplicas({ desired: 3, maxSurge: 1, newReplicas: 1, totalReplicas: 4 })).toBe(1);
    expect(newReplicaSetReplicas({ desired: 3, maxSurge: 1, newReplicas: 2, totalReplicas: 3 })).toBe(3);
    expect(newReplicaSetReplicas({ desired: 10, maxSurge: 3, newReplicas: 0, totalReplicas: 10 })).toBe(3);
  });
  it("shrinks old ReplicaSets only as far as availability allows", () => {
    // 3 old available, 1 new not yet available, maxUnavailable 0: nothing may go.
    expect(maxScaledDown({ totalReplicas: 4, desired: 3, maxUnavailable: 0, newReplicas: 1, newAvailable: 0 })).toBe(0);
    // the new one became available: one old may go.
    expect(maxScaledDown({ totalReplicas: 4, desired: 3, maxUnavailable: 0, newReplicas: 1, newAvailable: 1 })).toBe(1);
    const plan = scaleDownOldest([{ name: "a", replicas: 1 }, { name: "b", replicas: 3 }], 2);
    expect(plan.map((p) => [p.rs.name, p.replicas])).toEqual([["a", 0], ["b", 2]]);
  });
  it("shares a scale-up proportionally between active ReplicaSets", () => {
    expect(proportionalScale([6, 4], 20)).toEqual([12, 8]);
    expect(proportionalScale([3, 2], 6)).toEqual([4, 2]);
    expect(proportionalScale([6, 4], 5).reduce((a, b) => a + b)).toBe(5);
  });
});
