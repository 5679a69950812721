import { describe, expect, it } from "vitest";
import { rotationDeadline } from "./rotation";

describe("rotationDeadline", () => {
  const cert = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2026-01-11T00:00:00Z") };
  const day = 86400_000;

  it("falls between 70 % and 90 % of the certificate's lifetime, counted from notBefore", () => {
    expect(rotationDeadline(cert, () => 0).getTime()).toBe(cert.notBefore.getTime() + 7 * day);
    expect(rotationDeadline(cert, () => 0.5).getTime()).toBe(cert.notBefore.getTime() + 8 * day);
    expect(rotationDeadline(cert, () => 0.999999).getTime()).toBeLessThan(cert.notBefore.getTime() + 9 * day);
  });

  it("spreads nodes' renewals: random jitter, never past 90 %", () => {
    const deadlines = Array.from({ length: 200 }, () => rotationDeadline(cert).getTime() - cert.notBefore.getTime());
    expect(Math.min(...deadlines)).toBeGreaterThanOrEqual(7 * day);
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(9 * day);
    expect(new Set(deadlines).size).toBeGreaterThan(100);
  });
});
