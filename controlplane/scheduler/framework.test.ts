import { describe, expect, it } from "vitest";
import { fitErrorMessage, numFeasibleNodesToFind, schedulePod } from "./framework";
import { accountPod, newPodInfo } from "./node-info";
import { makeNode, makePod, nodeInfoWith } from "./testing";

describe("scheduling one pod", () => {
  it("explains why no node fits, Kubernetes style", () => {
    const nodes = [
      nodeInfoWith(makeNode("a", { memory: "1Gi" })),
      nodeInfoWith(makeNode("b", { memory: "1Gi" })),
      nodeInfoWith(makeNode("c", { labels: { disk: "hdd" } })),
    ];
    const pod = newPodInfo(makePod("nginx", { memory: "2Gi", spec: { nodeSelector: { "kubernetes.io/hostname": "a" } } }));
    const result = schedulePod(pod, nodes);
    expect(result.node).toBeUndefined();
    expect(fitErrorMessage(nodes.length, result.diagnosis)).toBe(
      "0/3 nodes are available: 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it("spreads a workload's replicas one per node", () => {
    const nodes = ["w1", "w2", "w3"].map((n) => nodeInfoWith(makeNode(n)));
    const chosen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const pod = newPodInfo(makePod(`web-${i}`, { owner: "rs-web" }));
      const { node } = schedulePod(pod, nodes, { startIndex: i });
      chosen.push(node!.node.metadata!.name!);
      accountPod(node!, pod, 1);
    }
    expect(chosen.sort()).toEqual(["w1", "w2", "w3"]);
  });

  it("says there are no nodes when there are none", () => {
    expect(fitErrorMessage(0, new Map())).toBe("no nodes available to schedule pods");
  });

  it("looks at every node of a small cluster and at a share of a large one", () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
  });
});
