import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodeName } from "./node-name";

describe("NodeName", () => {
  it("fits a pod that names a node only onto that node", () => {
    const pod = newPodInfo(makePod("p", { spec: { nodeName: "worker2" } }));
    expect(nodeName.filter(pod, nodeInfoWith(makeNode("worker2")))).toBeUndefined();
    expect(nodeName.filter(pod, nodeInfoWith(makeNode("worker1")))?.reasons).toEqual(["node(s) didn't match the requested node name"]);
  });
  it("fits a pod without nodeName anywhere", () => {
    expect(nodeName.filter(newPodInfo(makePod("p")), nodeInfoWith(makeNode("worker1")))).toBeUndefined();
  });
});
