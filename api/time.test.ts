import { describe, expect, it } from "vitest";
import { rfc3339, rfc3339Micro } from "./time";

describe("Kubernetes time formats", () => {
  const t = Date.UTC(2026, 11, 1, 21, 16, 49, 123);
  it("metav1.Time drops the fraction", () => {
    expect(rfc3339(t)).toBe("2026-12-01T21:16:49Z");
    expect(rfc3339(new Date(t))).toBe("2026-12-01T21:16:49Z");
  });
  it("metav1.MicroTime keeps microseconds", () => {
    expect(rfc3339Micro(t)).toBe("2026-12-01T21:16:49.123000Z");
  });
});
