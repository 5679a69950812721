import { describe, expect, it } from "vitest";
import { isOpenPath, nodeAttributes } from "./attributes";

describe("the main port's authorization attributes (the kubelet's)", () => {
  it("names the node subresource from the path and the verb from the method", () => {
    expect(nodeAttributes("GET", "/stats/summary", "n1")).toEqual({ verb: "get", resource: "nodes", subresource: "stats", name: "n1" });
    expect(nodeAttributes("GET", "/metrics", "n1").subresource).toBe("metrics");
    expect(nodeAttributes("GET", "/logs/syslog", "n1").subresource).toBe("log");
    expect(nodeAttributes("POST", "/exec/ns/p/c", "n1")).toMatchObject({ verb: "create", subresource: "proxy" });
    expect(nodeAttributes("GET", "/containerLogs/ns/p/c", "n1")).toMatchObject({ verb: "get", subresource: "proxy" });
  });
  it("leaves only /healthz open", () => {
    expect(isOpenPath("/healthz")).toBe(true);
    expect(isOpenPath("/pods")).toBe(false);
  });
});
