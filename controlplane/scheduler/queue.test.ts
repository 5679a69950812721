// The scheduling queue with a fake clock: Kubernetes' per-pod backoff, and queueing hints that
// move a parked pod only on an event that may help it.
import { describe, expect, it } from "vitest";
import { FakeClock, WorkQueue } from "../../client";
import { nodeUpdateActions, QueueingHints } from "./cluster-events";
import { defaultFilters, filtersWithVolumes } from "./framework";
import { SchedulingQueue } from "./queue";
import { makeNode, makePod } from "./testing";

function setup() {
  const clock = new FakeClock(1_000_000);
  const activeQ = new WorkQueue({ name: "test", clock });
  const queue = new SchedulingQueue({ activeQ, hints: new QueueingHints(defaultFilters), clock });
  return { clock, activeQ, queue };
}

describe("SchedulingQueue", () => {
  it("backs a pod off 1 s, 2 s, 4 s, 8 s, then 10 s per attempt", () => {
    const { queue } = setup();
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      queue.popped("default/p");
      seen.push(queue.backoffDuration("default/p"));
    }
    expect(seen).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    queue.forget("default/p");
    expect(queue.backoffDuration("default/p")).toBe(0);
  });

  it("keeps a pod whose binding failed in backoffQ until its backoff has passed", () => {
    const { clock, activeQ, queue } = setup();
    queue.popped("default/p");
    queue.popped("default/p");
    queue.retryAfterBackoff("default/p");
    expect(queue.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    clock.advance(1999);
    expect(activeQ.len()).toBe(0);
    clock.advance(1);
    expect(queue.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it("moves a pod rejected for memory only when a node with enough memory joins, not on a label change", () => {
    const { clock, activeQ, queue } = setup();
    const pod = makePod("big", { memory: "8Gi" });
    queue.popped("default/big");
    queue.parkUnschedulable("default/big", pod, new Set(["NodeResourcesFit"]));
    const small = makeNode("n1", { memory: "1Gi" });
    const relabelled = makeNode("n1", { memory: "1Gi", labels: { disk: "ssd" } });
    expect(queue.onClusterEvent({ resource: "Node", actions: nodeUpdateActions(small, relabelled) }, small, relabelled)).toBe(0);
    expect(queue.onClusterEvent({ resource: "Node", actions: ["Add"] }, undefined, makeNode("n2", { memory: "4Gi" }))).toBe(0);
    expect(queue.pending().unschedulable).toBe(1);
    clock.advance(5000);
    expect(queue.onClusterEvent({ resource: "Node", actions: ["Add"] }, undefined, makeNode("n3", { memory: "16Gi" }))).toBe(1);
    expect(queue.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
    expect(activeQ.len()).toBe(1);
  });

  it("moves a pod rejected by its node selector when a node gets the label, through backoff while it lasts", () => {
    const { clock, queue } = setup();
    const pod = makePod("db", { spec: { nodeSelector: { disk: "ssd" } } });
    queue.popped("default/db");
    queue.parkUnschedulable("default/db", pod, new Set(["NodeAffinity"]));
    const before = makeNode("n1");
    const after = makeNode("n1", { labels: { disk: "ssd" } });
    clock.advance(400);
    expect(queue.onClusterEvent({ resource: "Node", actions: nodeUpdateActions(before, after) }, before, after)).toBe(1);
    expect(queue.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    clock.advance(600);
    expect(queue.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it("does not see a heartbeat as a change, and sees readiness, taints and cordons", () => {
    const node = makeNode("n1");
    const beat = { ...node, status: { ...node.status, conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2026-01-01T00:00:10Z" }] } };
    expect(nodeUpdateActions(node, beat as never)).toEqual([]);
    expect(nodeUpdateActions(node, makeNode("n1", { ready: false }))).toEqual(["UpdateNodeCondition"]);
    expect(nodeUpdateActions(node, makeNode("n1", { spec: { unschedulable: true } }))).toEqual(["UpdateNodeTaint"]);
    expect(nodeUpdateActions(node, makeNode("n1", { spec: { taints: [{ key: "k", effect: "NoSchedule" }] } }))).toEqual(["UpdateNodeTaint"]);
    expect(nodeUpdateActions(node, makeNode("n1", { cpu: "8" }))).toEqual(["UpdateNodeAllocatable"]);
  });

  it("moves a pod no plugin rejected (there were no nodes) on any event", () => {
    const { queue } = setup();
    queue.popped("default/p");
    queue.parkUnschedulable("default/p", makePod("p"), new Set());
    const n = makeNode("n1");
    expect(queue.onClusterEvent({ resource: "Node", actions: ["UpdateNodeLabel"] }, n, n)).toBe(1);
  });

  it("moves a pod waiting for a host port only when a bound pod holding that port goes away", () => {
    const { queue } = setup();
    const pod = makePod("web", { hostPort: 8080 });
    queue.popped("default/web");
    queue.parkUnschedulable("default/web", pod, new Set(["NodePorts"]));
    expect(queue.onClusterEvent({ resource: "Pod", actions: ["Delete"] }, makePod("other", { hostPort: 9090 }), undefined)).toBe(0);
    expect(queue.onClusterEvent({ resource: "Pod", actions: ["Delete"] }, makePod("holder", { hostPort: 8080 }), undefined)).toBe(1);
  });

  it("tries a parked pod again at once when its own spec changes (after its backoff)", () => {
    const { clock, queue } = setup();
    queue.popped("default/p");
    queue.parkUnschedulable("default/p", makePod("p"), new Set(["NodeAffinity"]));
    clock.advance(1000);
    queue.update("default/p");
    expect(queue.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it("moves a pod waiting for its claim only on a change of that claim", () => {
    const clock = new FakeClock(0);
    const activeQ = new WorkQueue({ name: "test", clock });
    const none = { claim: () => undefined, volume: () => undefined, volumes: () => [], storageClass: () => undefined };
    const queue = new SchedulingQueue({ activeQ, hints: new QueueingHints(filtersWithVolumes(none)), clock });
    const pod = makePod("db", { spec: { volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] } as never });
    queue.parkUnschedulable("default/db", pod, new Set(["VolumeBinding"]));
    const claim = (name: string) => ({ metadata: { name, namespace: "default" } });
    expect(queue.onClusterEvent({ resource: "PersistentVolumeClaim", actions: ["Update"] }, claim("other"), claim("other"))).toBe(0);
    expect(queue.onClusterEvent({ resource: "PersistentVolumeClaim", actions: ["Update"] }, claim("data"), claim("data"))).toBe(1);
  });
});
