import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodeReady } from "./node-ready";

describe("NodeReady", () => {
  const pod = newPodInfo(makePod("p"));
  it("accepts a Ready node", () => {
    expect(nodeReady.filter(pod, nodeInfoWith(makeNode("n1")))).toBeUndefined();
  });
  it("rejects a node whose Ready condition is False or missing", () => {
    expect(nodeReady.filter(pod, nodeInfoWith(makeNode("n1", { ready: false })))?.reasons).toEqual(["node(s) were not ready"]);
    const bare = makeNode("n2");
    bare.status!.conditions = [];
    expect(nodeReady.filter(pod, nodeInfoWith(bare))?.reasons).toEqual(["node(s) were not ready"]);
  });
  it("rejects a node tainted unreachable even if its last status said Ready", () => {
    const node = makeNode("n1", { spec: { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] } });
    expect(nodeReady.filter(pod, nodeInfoWith(node))?.reasons).toEqual(["node(s) were unreachable"]);
  });
});
