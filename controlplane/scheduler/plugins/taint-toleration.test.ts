import { describe, expect, it } from "vitest";
import { newPodInfo } from "../node-info";
import { makeNode, makePod, nodeInfoWith } from "../testing";
import { toleratesTaint } from "../../../api/corev1/scheduling";
import { taintToleration } from "./taint-toleration";

describe("TaintToleration", () => {
  const tainted = nodeInfoWith(makeNode("n1", { spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] } }));

  it("keeps pods off a node with a taint they do not tolerate, naming the taint", () => {
    expect(taintToleration.filter(newPodInfo(makePod("p")), tainted)?.reasons).toEqual(["node(s) had untolerated taint {dedicated: gpu}"]);
  });

  it("lets a pod with a matching toleration in", () => {
    const pod = makePod("p", { spec: { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] } });
    expect(taintToleration.filter(newPodInfo(pod), tainted)).toBeUndefined();
  });

  it("ignores PreferNoSchedule taints", () => {
    const soft = nodeInfoWith(makeNode("n2", { spec: { taints: [{ key: "x", effect: "PreferNoSchedule" }] } }));
    expect(taintToleration.filter(newPodInfo(makePod("p")), soft)).toBeUndefined();
  });

  it("matches tolerations as Kubernetes does (Exists with no key tolerates all, value must equal)", () => {
    const taint = { key: "k", value: "v", effect: "NoExecute" };
    expect(toleratesTaint({ operator: "Exists" }, taint)).toBe(true);
    expect(toleratesTaint({ key: "k", operator: "Exists", effect: "NoExecute" }, taint)).toBe(true);
    expect(toleratesTaint({ key: "k", value: "w" }, taint)).toBe(false);
    expect(toleratesTaint({ key: "k", value: "v", effect: "NoSchedule" }, taint)).toBe(false);
  });
});
