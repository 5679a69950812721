import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { requestMetrics } from "./metrics";

describe("apiserver_request_total", () => {
  it("counts resources the server does not serve under one label, so URLs cannot add series", async () => {
    const registry = new Registry();
    const m = requestMetrics(registry, (r) => r === "pods");
    for (let i = 0; i < 50; i++) m.record("GET", `made-up-${i}`, 404, 0.001);
    m.record("GET", "pods", 200, 0.001);
    m.record("GET", "", 200, 0.001);
    const text = await registry.metrics();
    const series = text.split("\n").filter((l) => l.startsWith("apiserver_request_total{"));
    expect(series).toEqual([
      'apiserver_request_total{verb="GET",resource="unknown",code="404"} 50',
      'apiserver_request_total{verb="GET",resource="pods",code="200"} 1',
      'apiserver_request_total{verb="GET",resource="",code="200"} 1',
    ]);
  });
});
