import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { nodeAffinity } from "./node-affinity";

const REASON = "node(s) didn't match Pod's node affinity/selector";

describe("NodeAffinity", () => {
  const ssd = nodeInfoWith(makeNode("n1", { labels: { disk: "ssd", zone: "a" } }));
  const hdd = nodeInfoWith(makeNode("n2", { labels: { disk: "hdd", zone: "b" } }));

  it("places a pod with a nodeSelector only on nodes carrying all its labels", () => {
    const pod = newPodInfo(makePod("p", { spec: { nodeSelector: { disk: "ssd" } } }));
    expect(nodeAffinity.filter(pod, ssd)).toBeUndefined();
    expect(nodeAffinity.filter(pod, hdd)?.reasons).toEqual([REASON]);
  });

  it("honours required node affinity terms (any term, all expressions)", () => {
    const pod = newPodInfo(
      makePod("p", {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "zone", operator: "In", values: ["b", "c"] }, { key: "disk", operator: "NotIn", values: ["ssd"] }] },
                  { matchFields: [{ key: "metadata.name", operator: "In", values: ["n9"] }] },
                ],
              },
            },
          },
        },
      }),
    );
    expect(nodeAffinity.filter(pod, hdd)).toBeUndefined();
    expect(nodeAffinity.filter(pod, ssd)?.reasons).toEqual([REASON]);
    expect(nodeAffinity.filter(pod, nodeInfoWith(makeNode("n9")))).toBeUndefined();
  });

  it("supports Exists, DoesNotExist, Gt and Lt", () => {
    const term = (key: string, operator: string, values?: string[]) =>
      newPodInfo(makePod("p", { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }] } } } } }));
    const gpu = nodeInfoWith(makeNode("g", { labels: { gpus: "4" } }));
    expect(nodeAffinity.filter(term("gpus", "Exists"), gpu)).toBeUndefined();
    expect(nodeAffinity.filter(term("gpus", "DoesNotExist"), gpu)).toBeDefined();
    expect(nodeAffinity.filter(term("gpus", "Gt", ["2"]), gpu)).toBeUndefined();
    expect(nodeAffinity.filter(term("gpus", "Lt", ["2"]), gpu)).toBeDefined();
  });
});
