import { describe, expect, it } from "vitest";
import { cpuQuantity, goDuration, memoryQuantity } from "./metrics";

describe("metrics.k8s.io quantities and windows", () => {
  it("writes CPU in nanocores, memory in Ki, windows as Go durations", () => {
    expect(cpuQuantity(123456.7)).toBe("123457n");
    expect(memoryQuantity(2 * 1024 * 1024)).toBe("2048Ki");
    expect(memoryQuantity(1000)).toBe("1000");
    expect([goDuration(15_012), goDuration(60_000), goDuration(500), goDuration(3_725_000)]).toEqual(["15.012s", "1m0s", "500ms", "1h2m5s"]);
  });
});
