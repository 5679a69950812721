import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodeUnschedulable } from "./node-unschedulable";

describe("NodeUnschedulable", () => {
  it("keeps new pods off a cordoned node", () => {
    const status = nodeUnschedulable.filter(newPodInfo(makePod("p")), nodeInfoWith(makeNode("n1", { spec: { unschedulable: true } })));
    expect(status?.reasons).toEqual(["node(s) were unschedulable"]);
  });
  it("lets pods onto an uncordoned node, and onto a cordoned one when they tolerate it", () => {
    expect(nodeUnschedulable.filter(newPodInfo(makePod("p")), nodeInfoWith(makeNode("n1")))).toBeUndefined();
    const tolerant = makePod("p", { spec: { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] } });
    expect(nodeUnschedulable.filter(newPodInfo(tolerant), nodeInfoWith(makeNode("n1", { spec: { unschedulable: true } })))).toBeUndefined();
  });
});
