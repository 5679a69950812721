import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../api/core";
import { pods as podsRes } from "../client";
import { eventually, isRunningReady, startControllerCluster, type ControllerCluster } from "./controllers-fixture";
import { consistently } from "./fixtures/wait";

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  nodeSelector:
    disk: ssd
  containers:
  - name: nginx
    image: nginx:1.27
    resources:
      requests:
        memory: 2Gi
`;

describe("a pod that fits nowhere", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "small", count: 2, firstIndex: 1, capacity: { memory: "1Gi" }, labels: { disk: "ssd" } });
    await c.addNodes({ nodeName: "other", firstIndex: 3 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("says why in its PodScheduled condition and a FailedScheduling event", async () => {
    await c.kubectl.ok(["apply", "-f", "-"], POD);
    const expected = "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory.";
    const cond = await eventually(async () => {
      const pod = await c.client.get<Pod>(podsRes, "default", "nginx");
      return pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
    }, 20_000, "PodScheduled=False");
    expect(cond).toMatchObject({ reason: "Unschedulable", message: expected });
    const listing = await c.kubectl.ok(["get", "pod", "nginx"]);
    expect(listing).toMatch(/nginx\s+0\/1\s+Pending\s+0\s/);
    const describe = await eventually(async () => {
      const out = await c.kubectl.ok(["describe", "pod", "nginx"]);
      return out.includes("FailedScheduling") ? out : undefined;
    }, 20_000, "FailedScheduling event");
    expect(describe).toMatch(/Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 2 Insufficient memory\./);
  }, 60_000);

  it("is scheduled as soon as a node with room joins", async () => {
    await c.addNodes({ nodeName: "big", firstIndex: 4, labels: { disk: "ssd" } });
    const pod = await eventually(async () => {
      const p = await c.client.get<Pod>(podsRes, "default", "nginx");
      return isRunningReady(p) ? p : undefined;
    }, 20_000, "the pod running");
    expect(pod.spec?.nodeName).toBe("big");
    const events = await eventually(async () => {
      const out = await c.kubectl.ok(["get", "events", "--field-selector", "involvedObject.name=nginx,reason=Scheduled"]);
      return out.includes("Successfully assigned") ? out : undefined;
    }, 10_000, "Scheduled event");
    expect(events).toContain("Successfully assigned default/nginx to big");
  }, 60_000);

  it("leaves pods for other schedulers alone", async () => {
    await c.kubectl.ok(["run", "custom", "--image=nginx:1.27", "--overrides", JSON.stringify({ spec: { schedulerName: "my-scheduler" } })]);
    // Not bound and not marked, for longer than a scheduling attempt takes.
    await consistently(async () => {
      const pod = await c.client.get<Pod>(podsRes, "default", "custom");
      return !pod.spec?.nodeName && !pod.status?.conditions?.some((x) => x.type === "PodScheduled");
    }, 1500, "the other scheduler's pod left alone");
  }, 30_000);
});
