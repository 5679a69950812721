import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { Expectations, slowStartBatch } from "./expectations";
import { podsToDelete } from "./pods-to-delete";
import { calculateStatus } from "./status";

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string } = {}): Pod =>
  ({
    metadata: { name, labels: { app: "web" }, creationTimestamp: o.created ?? "2026-01-01T00:00:00Z" },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? "Pending",
      conditions: o.ready === undefined ? [] : [{ type: "Ready", status: o.ready ? "True" : "False", lastTransitionTime: o.readySince ?? "2026-01-01T00:00:00Z" }],
    },
  }) as unknown as Pod;

describe("ReplicaSet helpers", () => {
  it("deletes unscheduled, then pending, then not-ready pods before ready ones, newest first", () => {
    const pods = [
      pod("ready-old", { node: "n", phase: "Running", ready: true, created: "2026-01-01T00:00:00Z" }),
      pod("ready-new", { node: "n", phase: "Running", ready: true, readySince: "2026-01-02T00:00:00Z", created: "2026-01-02T00:00:00Z" }),
      pod("unscheduled"),
      pod("pending", { node: "n" }),
      pod("not-ready", { node: "n", phase: "Running", ready: false }),
    ];
    expect(podsToDelete(pods, 5).map((p) => p.metadata.name)).toEqual(["unscheduled", "pending", "not-ready", "ready-new", "ready-old"]);
  });

  it("counts ready and available (minReadySeconds) replicas", () => {
    const rs = { metadata: { name: "web", generation: 3 }, spec: { minReadySeconds: 10, selector: {}, template: { metadata: { labels: { app: "web" } } } } } as unknown as ReplicaSet;
    const now = Date.parse("2026-01-01T00:00:20Z");
    const status = calculateStatus(
      rs,
      [pod("a", { ready: true, readySince: "2026-01-01T00:00:00Z" }), pod("b", { ready: true, readySince: "2026-01-01T00:00:15Z" }), pod("c")],
      now,
    );
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  });

  it("waits for the pods it created before acting again", () => {
    const e = new Expectations();
    e.expect("ns/web", 2);
    expect(e.satisfied("ns/web")).toBe(false);
    e.creationObserved("ns/web");
    e.lowerExpectations("ns/web", 1);
    expect(e.satisfied("ns/web")).toBe(true);
    e.expect("ns/web", 0, ["u1", "u2"]);
    e.deletionObserved("ns/web", "u1");
    e.deletionObserved("ns/web", "u1");
    expect(e.satisfied("ns/web")).toBe(false);
    e.deletionObserved("ns/web", "u2");
    expect(e.satisfied("ns/web")).toBe(true);
  });

  it("creates in doubling batches and stops at the first failure", async () => {
    const calls: number[] = [];
    const result = await slowStartBatch(10, 1, async (i) => {
      calls.push(i);
      if (i === 4) throw new Error("quota");
    });
    // batches 1 (0), 2 (1,2), 4 (3..6 with 4 failing) -> no batch of 8
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.done).toBe(6);
    expect(result.error).toBeInstanceOf(Error);
  });
});
