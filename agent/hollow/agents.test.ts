// Hollow nodes against a FakeClient: they write what a real kubelet writes and nothing more.
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../../api/core";
import { FakeClient } from "../../client/fake";
import { nodes as nodesRes, pods as podsRes } from "../../client/resources";
import { eventually } from "../../test/fixtures/wait";
import { runHollowAgents, type HollowAgents } from "./agents";
import { isRunningAndReady } from "./pod-status";

const boundPod = (name: string, nodeName: string): Pod =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: `uid-${name}` }, spec: { nodeName, containers: [{ name: "app", image: "nginx" }] } }) as unknown as Pod;

let running: HollowAgents | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("hollow nodes", () => {
  it("write one status per bound pod and no node status between reports", async () => {
    const fake = new FakeClient();
    running = await runHollowAgents({ client: fake, nodeNamePrefix: "h", count: 2, signal: new AbortController().signal, heartbeatIntervalMs: 100 });
    fake.clearActions();
    for (let i = 0; i < 6; i++) await fake.create(podsRes, "default", boundPod(`web-${i}`, `h-${i % 2}`));
    await eventually(() => fake.objects<Pod>(podsRes, "default").every(isRunningAndReady) && running!.started() === 6, 10_000, "all pods Running");
    // A few Lease renewals later, still nothing else was written.
    const leases = () => fake.actions({ verb: "update", resource: "leases" }).length;
    await eventually(() => leases() >= 6, 10_000, "three Lease ticks per node");
    expect(fake.statusWrites("pods")).toHaveLength(6);
    expect(fake.statusWrites("nodes")).toEqual([]);
    expect(fake.writes().filter((a) => a.resource !== "leases" && !(a.verb === "create" && a.resource === "pods"))).toHaveLength(6);
  });

  it("posts node status at its next Lease tick when the API says it is not Ready", async () => {
    const fake = new FakeClient();
    running = await runHollowAgents({ client: fake, nodeName: "h-0", signal: new AbortController().signal, heartbeatIntervalMs: 100 });
    const node = fake.object<Node>(nodesRes, undefined, "h-0")!;
    const unknown = node.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown", reason: "NodeStatusUnknown" } : c));
    await fake.updateStatus(nodesRes, undefined, { ...node, status: { ...node.status, conditions: unknown } });
    await eventually(() => fake.object<Node>(nodesRes, undefined, "h-0")?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True", 10_000, "Ready again");
  });
});
