import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../../api/core";
import { evictionTime, reconcileHealthTaints, wantedTaintKey } from "./taints";

const node = (ready: string | undefined, taints: NonNullable<Node["spec"]>["taints"] = []): Node =>
  ({ metadata: { name: "n" }, spec: { taints }, status: { conditions: ready ? [{ type: "Ready", status: ready }] : [] } }) as unknown as Node;
const pod = (tolerations: unknown[] = []): Pod => ({ metadata: { name: "p" }, spec: { containers: [], tolerations } }) as unknown as Pod;

describe("node health taints", () => {
  it("taints a silent node unreachable and a NotReady one not-ready, and clears them when Ready", () => {
    expect(wantedTaintKey(node("Unknown"))).toBe("node.kubernetes.io/unreachable");
    expect(wantedTaintKey(node("False"))).toBe("node.kubernetes.io/not-ready");
    expect(wantedTaintKey(node("True"))).toBeUndefined();
    const tainted = reconcileHealthTaints(node("Unknown", [{ key: "dedicated", effect: "NoSchedule" }]), "node.kubernetes.io/unreachable", "2026-01-01T00:00:00Z");
    expect(tainted).toEqual([{ key: "dedicated", effect: "NoSchedule" }, { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:00:00Z" }]);
    expect(reconcileHealthTaints(node("True", tainted), undefined, "x")).toEqual([{ key: "dedicated", effect: "NoSchedule" }]);
    expect(reconcileHealthTaints(node("True"), undefined, "x")).toBeUndefined();
  });

  it("evicts after the pod's tolerationSeconds, the default when it has none, never when unbounded", () => {
    const taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:00:00Z" };
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    expect(evictionTime(pod([{ key: taint.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }]), taint, 300, t0)).toBe(t0 + 5000);
    expect(evictionTime(pod(), taint, 300, t0)).toBe(t0 + 300_000);
    expect(evictionTime(pod([{ operator: "Exists" }]), taint, 300, t0)).toBe(Infinity);
    expect(evictionTime(pod(), { key: "other", effect: "NoExecute" }, 300, t0 + 1)).toBe(t0 + 1);
  });
});
