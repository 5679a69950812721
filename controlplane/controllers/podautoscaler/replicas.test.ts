import { describe, expect, it } from "vitest";
import { milliQuantity, resourceReplicas, type PodInfo, type PodMetric, type ReplicaInput } from "./replicas";

const NOW = 1_000_000_000;
// Started long ago and ready since: past the CPU initialization period.
const pod = (name: string, over: Partial<PodInfo> = {}): PodInfo => ({
  name, phase: "Running", deleting: false, ready: { status: "True", lastTransitionMs: NOW - 3_600_000 }, startMs: NOW - 3_600_000, request: 100, ...over,
});
const metric = (value: number, over: Partial<PodMetric> = {}): PodMetric => ({ value, timestampMs: NOW - 1000, windowMs: 15_000, ...over });
const input = (pods: PodInfo[], metrics: Record<string, number>, over: Partial<ReplicaInput> = {}): ReplicaInput => ({
  currentReplicas: pods.length,
  resource: "cpu",
  target: { type: "Utilization", averageUtilization: 50 },
  pods,
  metrics: new Map(Object.entries(metrics).map(([k, v]) => [k, metric(v)])),
  nowMs: NOW,
  ...over,
});

describe("resourceReplicas (Kubernetes' replica calculator)", () => {
  it.each([
    ["scales up by the usage ratio", [pod("a")], { a: 200 }, 4, 200],
    ["keeps the count within the 10 % tolerance", [pod("a"), pod("b")], { a: 54, b: 54 }, 2, 54],
    ["scales down by the usage ratio", [pod("a"), pod("b"), pod("c"), pod("d")], { a: 10, b: 10, c: 10, d: 10 }, 1, 10],
    ["leaves deleted and failed pods out", [pod("a"), pod("x", { deleting: true }), pod("y", { phase: "Failed" })], { a: 100, x: 900, y: 900 }, 2, 100],
  ])("%s", (_what, pods, metrics, replicas, utilization) => {
    const out = resourceReplicas(input(pods, metrics));
    expect(out.replicas).toBe(replicas);
    expect(out.utilization).toBe(utilization);
  });

  it("counts a pod without a metric as using its whole request when scaling down, and as idle when scaling up", () => {
    // Down: a at 10 %, b missing (counted 100 %): (10 + 100) / 200 = 55 % against 50 %: within tolerance, no change.
    expect(resourceReplicas(input([pod("a"), pod("b")], { a: 10 })).replicas).toBe(2);
    // Up: a at 300 %, b missing (counted 0): 150 % -> ceil(3 * 2) = 6.
    expect(resourceReplicas(input([pod("a"), pod("b")], { a: 300 })).replicas).toBe(6);
  });

  it("does not scale up on a pending or not-yet-ready pod's account, and drops a flip of direction", () => {
    const starting = pod("b", { startMs: NOW - 10_000, ready: { status: "False", lastTransitionMs: NOW - 10_000 } });
    // a at 300 %, b unready (counted 0 for a scale-up): 150 % over 2 pods -> 6.
    expect(resourceReplicas(input([pod("a"), starting], { a: 300, b: 900 })).replicas).toBe(6);
    // a at 60 % (ratio 1.2), b pending counted 0: 30 % flips to a scale-down: keep 2.
    expect(resourceReplicas(input([pod("a"), pod("b", { phase: "Pending" })], { a: 60 })).replicas).toBe(2);
  });

  it("averages raw usage against an AverageValue target (memory, no requests needed)", () => {
    const pods = [pod("a", { request: { missingIn: "c" } }), pod("b", { request: { missingIn: "c" } })];
    const out = resourceReplicas(input(pods, { a: 300e3, b: 100e3 }, { resource: "memory", target: { type: "AverageValue", averageValue: 100e3 } }));
    expect(out).toMatchObject({ replicas: 4, averageValue: 200e3 });
    expect(out.utilization).toBeUndefined();
  });

  it("says why it cannot compute, in Kubernetes' words", () => {
    expect(() => resourceReplicas(input([], {}))).toThrow("no pods returned by selector while calculating replica count");
    expect(() => resourceReplicas(input([pod("a", { request: { missingIn: "app" } })], { a: 5 }))).toThrow("missing request for cpu in container app of Pod a");
    expect(() => resourceReplicas(input([pod("a", { phase: "Pending" })], { a: 5 }))).toThrow("did not receive metrics for targeted pods (pods might be unready)");
  });

  it("prints milli-values as Kubernetes' DecimalSI quantities", () => {
    expect([milliQuantity(250), milliQuantity(2000), milliQuantity(5e9), milliQuantity(1500)]).toEqual(["250m", "2", "5M", "1500m"]);
  });
});
