import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodeResourcesFit } from "./node-resources-fit";

describe("NodeResourcesFit", () => {
  it("counts what is already bound against allocatable", () => {
    const node = nodeInfoWith(makeNode("n1", { cpu: "2", memory: "4Gi" }), makePod("a", { cpu: "1500m", memory: "3Gi" }));
    expect(nodeResourcesFit.filter(newPodInfo(makePod("p", { cpu: "500m", memory: "1Gi" })), node)).toBeUndefined();
    expect(nodeResourcesFit.filter(newPodInfo(makePod("p", { cpu: "600m" })), node)?.reasons).toEqual(["Insufficient cpu"]);
    expect(nodeResourcesFit.filter(newPodInfo(makePod("p", { cpu: "1", memory: "2Gi" })), node)?.reasons).toEqual(["Insufficient cpu", "Insufficient memory"]);
  });
  it("says Too many pods when the node's pod slots are used up", () => {
    const node = nodeInfoWith(makeNode("n1", { pods: 2 }), makePod("a"), makePod("b"));
    expect(nodeResourcesFit.filter(newPodInfo(makePod("p")), node)?.reasons).toEqual(["Too many pods"]);
  });
  it("uses the largest init container when it asks for more than the app containers", () => {
    const pod = makePod("p", { cpu: "100m" });
    pod.spec.initContainers = [{ name: "init", image: "busybox", resources: { requests: { cpu: "3" } } }];
    expect(nodeResourcesFit.filter(newPodInfo(pod), nodeInfoWith(makeNode("n1", { cpu: "2" })))?.reasons).toEqual(["Insufficient cpu"]);
  });
});
