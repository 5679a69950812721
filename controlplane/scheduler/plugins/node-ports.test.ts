import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodePorts } from "./node-ports";

describe("NodePorts", () => {
  it("rejects a node where the requested host port is taken", () => {
    const node = nodeInfoWith(makeNode("n1"), makePod("web", { hostPort: 8080 }));
    expect(nodePorts.filter(newPodInfo(makePod("p", { hostPort: 8080 })), node)?.reasons).toEqual([
      "node(s) didn't have free ports for the requested pod ports",
    ]);
  });
  it("accepts a node where the port is free", () => {
    const node = nodeInfoWith(makeNode("n1"), makePod("web", { hostPort: 8080 }));
    expect(nodePorts.filter(newPodInfo(makePod("p", { hostPort: 9090 })), node)).toBeUndefined();
    expect(nodePorts.filter(newPodInfo(makePod("q")), node)).toBeUndefined();
  });
});
