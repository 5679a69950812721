import { describe, expect, it } from "vitest";
import { KUBERNETES_SERVICE_IP, pickClusterIP } from "./cluster-ip";
import { NODE_PORT_MAX, NODE_PORT_MIN, pickNodePort } from "./node-port";

describe("allocators", () => {
  it("never hands out a used cluster IP, a .0 address or the kubernetes Service's", () => {
    const sequence = (...draws: number[]) => () => draws.shift() ?? Math.random();
    expect(pickClusterIP(new Set())).toMatch(/^10\.96\.\d+\.\d+$/);
    const taken = pickClusterIP(new Set(), () => 0.5);
    // 0.5 twice lands on the used address, 0 on 10.96.0.1: 0.25 wins.
    expect(pickClusterIP(new Set([taken]), sequence(0.5, 0.5, 0, 0.25))).toBe(pickClusterIP(new Set(), () => 0.25));
    expect(pickClusterIP(new Set(), sequence(0, 0.5))).toBe(taken);
    expect(KUBERNETES_SERVICE_IP).toBe("10.96.0.1");
  });

  it("picks a free node port in range and says when none is left", () => {
    const used = new Set<number>();
    for (let p = NODE_PORT_MIN; p < NODE_PORT_MAX; p++) used.add(p);
    expect(pickNodePort(used)).toBe(NODE_PORT_MAX);
    used.add(NODE_PORT_MAX);
    expect(pickNodePort(used)).toBeUndefined();
  });
});
