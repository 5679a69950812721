import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { leastAllocatedScore } from "./least-allocated";
import { normalizeSpread, siblingsOnNode } from "./selector-spread";

describe("scores", () => {
  it("prefers the node with fewer replicas of the same workload", () => {
    const pod = newPodInfo(makePod("new", { owner: "rs1" }));
    const busy = nodeInfoWith(makeNode("n1"), makePod("a", { owner: "rs1" }), makePod("b", { owner: "rs1" }));
    const quiet = nodeInfoWith(makeNode("n2"), makePod("c", { owner: "other" }));
    const scores = [siblingsOnNode(pod, busy), siblingsOnNode(pod, quiet)];
    normalizeSpread(scores);
    expect(scores).toEqual([0, 100]);
  });
  it("prefers the node with more room left", () => {
    const pod = newPodInfo(makePod("p", { cpu: "1", memory: "1Gi" }));
    const full = nodeInfoWith(makeNode("n1"), makePod("a", { cpu: "2", memory: "8Gi" }));
    const empty = nodeInfoWith(makeNode("n2"));
    expect(leastAllocatedScore(pod, empty)).toBeGreaterThan(leastAllocatedScore(pod, full));
  });
});
