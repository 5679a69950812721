import { describe, expect, it } from "vitest";
import { MetricsStore, type NodeBatch } from "./store";
import { batchFromSummary } from "./summary";

const sample = (timeMs: number, cpuNs: number, memoryBytes = 1024) => ({ timeMs, cpuNs, memoryBytes });
const batch = (timeMs: number, cpuNs: number, pods: NodeBatch["pods"] = []): NodeBatch => ({ node: "n1", sample: sample(timeMs, cpuNs), pods });

describe("MetricsStore", () => {
  it("serves CPU as the rate between two cumulative samples, over their window", () => {
    const s = new MetricsStore();
    s.store(batch(10_000, 0));
    expect(s.node("n1")).toBeUndefined();
    // 1.5 core-seconds in 15 s: 100m.
    s.store(batch(25_000, 1.5e9));
    expect(s.node("n1")).toEqual({ timestampMs: 25_000, windowMs: 15_000, cpuNanoCores: 1e8, memoryBytes: 1024 });
  });

  it("keeps the point when the agent hands the same sample again, and starts over when a counter goes back", () => {
    const s = new MetricsStore();
    s.store(batch(0, 0));
    s.store(batch(10_000, 1e10));
    s.store(batch(10_000, 1e10));
    expect(s.node("n1")?.cpuNanoCores).toBe(1e9);
    s.store(batch(20_000, 5)); // restarted: no rate from a negative delta
    expect(s.node("n1")).toBeUndefined();
  });

  it("serves a pod only when all its containers have two samples, and drops pods the node stops reporting", () => {
    const s = new MetricsStore();
    const pod = (t: number, withSidecar: boolean) => [
      { namespace: "ns", name: "p", containers: [{ name: "a", sample: sample(t, t * 1e5) }, ...(withSidecar ? [{ name: "b", sample: sample(t, 0) }] : [])] },
    ];
    s.store(batch(0, 0, pod(0, false)));
    s.store(batch(1000, 1, pod(1000, true)));
    expect(s.pod("ns", "p")).toBeUndefined();
    s.store(batch(2000, 2, pod(2000, true)));
    expect(s.pod("ns", "p")?.containers.map((c) => [c.name, c.cpuNanoCores])).toEqual([["a", 1e8], ["b", 0]]);
    expect(s.pods("ns")).toHaveLength(1);
    expect(s.pods("other")).toHaveLength(0);
    s.store(batch(3000, 3, []));
    expect(s.pod("ns", "p")).toBeUndefined();
  });

  it("lists the Ready nodes with points and their labels, and forgets the others", () => {
    const s = new MetricsStore();
    s.store(batch(0, 0));
    s.store(batch(1000, 1));
    s.retainNodes(new Map([["n1", { zone: "a" }]]));
    expect(s.nodePoints().map((n) => [n.name, n.labels])).toEqual([["n1", { zone: "a" }]]);
    s.retainNodes(new Map([["other", {}]]));
    expect(s.node("n1")).toBeUndefined();
    expect(s.nodePoints()).toEqual([]);
  });
});

describe("batchFromSummary", () => {
  it("reads cumulative CPU, working set and sample times; skips what is malformed", () => {
    const t = "2026-12-02T03:00:00.000Z";
    const entry = (ns: number, ws: number) => ({ cpu: { time: t, usageCoreNanoSeconds: ns }, memory: { time: t, workingSetBytes: ws } });
    const b = batchFromSummary("n1", {
      node: { nodeName: "n1", ...entry(5, 6) },
      pods: [
        { podRef: { namespace: "ns", name: "p" }, containers: [{ name: "c", ...entry(1, 2) }, { name: "bad", cpu: { time: "never" } }] },
        { podRef: {}, containers: [] },
        "garbage",
      ],
    });
    expect(b).toEqual({
      node: "n1",
      sample: { timeMs: Date.parse(t), cpuNs: 5, memoryBytes: 6 },
      pods: [{ namespace: "ns", name: "p", containers: [{ name: "c", sample: { timeMs: Date.parse(t), cpuNs: 1, memoryBytes: 2 } }] }],
    });
    expect(() => batchFromSummary("n1", { kind: "Status" })).toThrow(/not a stats summary/);
  });
});
