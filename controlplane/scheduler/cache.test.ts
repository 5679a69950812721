import { describe, expect, it } from "vitest";
import { SchedulerCache } from "./cache";
import { newPodInfo } from "./node-info";
import { makeNode, makePod } from "./testing";

describe("scheduler cache", () => {
  it("counts an assumed pod at once and only once when its binding shows up", () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode("w1", { cpu: "1" }));
    const pod = makePod("web", { cpu: "600m" });
    cache.assume(newPodInfo(pod), "w1");
    expect(cache.getNodeInfo("w1")!.requested.milliCPU).toBe(600);
    cache.setPod({ ...pod, spec: { ...pod.spec, nodeName: "w1" } });
    expect(cache.getNodeInfo("w1")!.requested).toMatchObject({ milliCPU: 600, pods: 1 });
    cache.removePod(pod);
    expect(cache.getNodeInfo("w1")!.requested).toMatchObject({ milliCPU: 0, pods: 0 });
  });

  it("forgets an assumed pod whose binding failed", () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode("w1"));
    const pod = makePod("web", { memory: "1Gi" });
    cache.assume(newPodInfo(pod), "w1");
    cache.forget("default/web");
    expect(cache.getNodeInfo("w1")!.requested.memory).toBe(0);
  });

  it("keeps counting pods bound to a node it has not seen yet", () => {
    const cache = new SchedulerCache();
    const pod = makePod("early", { cpu: "1" });
    cache.setPod({ ...pod, spec: { ...pod.spec, nodeName: "w9" } });
    expect(cache.nodeCount()).toBe(0);
    cache.addNode(makeNode("w9"));
    expect(cache.getNodeInfo("w9")!.requested.milliCPU).toBe(1000);
  });
});
