import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isQuantity, parseQuantity, scaledValue } from "./quantity";

describe("resource quantities", () => {
  it("reads cpu in cores", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("100m")).toBe(0.1);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("0.5")).toBe(0.5);
    expect(parseQuantity("0.25")).toBe(0.25);
    expect(parseQuantity(1.5)).toBe(1.5);
  });

  it("reads memory in bytes with binary and decimal suffixes", () => {
    expect(parseQuantity("128Mi")).toBe(128 * 1024 * 1024);
    expect(parseQuantity("1Gi")).toBe(1073741824);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 1073741824);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("64k")).toBe(64000);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1E3")).toBe(1000);
    expect(parseQuantity("1.5Ki")).toBe(1536);
  });

  it("accepts the forms of Kubernetes' quantity tests: signs, trailing and leading dots, tiny suffixes", () => {
    expect(parseQuantity("+1")).toBe(1);
    expect(parseQuantity("-1")).toBe(-1);
    expect(parseQuantity("1.")).toBe(1);
    expect(parseQuantity("1.G")).toBe(1e9);
    expect(parseQuantity(".001")).toBe(0.001);
    expect(parseQuantity(".0001k")).toBeCloseTo(0.1);
    expect(parseQuantity("0.000000000001Ki")).toBeCloseTo(1.024e-9);
    expect(parseQuantity("100n")).toBeCloseTo(1e-7);
    expect(parseQuantity("5u")).toBeCloseTo(5e-6);
    expect(parseQuantity("1e-3")).toBe(0.001);
    for (const q of ["0", "0n", "0u", "0m", "0Ki", "0k", "0Mi", "0M", "0Gi", "0G", "0Ti", "0T"]) expect(parseQuantity(q)).toBe(0);
  });

  it("rejects what Kubernetes' ParseQuantity rejects, whitespace included", () => {
    for (const q of ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ", "500x", "Mi", "1 Gi", "", ".", "1KiB", "1K"]) {
      expect(isQuantity(q), q).toBe(false);
      expect(() => parseQuantity(q), q).toThrow(/quantities must match/);
    }
  });

  it("rejects a quantity too large for a number rather than returning Infinity", () => {
    expect(isQuantity("1e309")).toBe(false);
    expect(() => parseQuantity("1e999")).toThrow(/too large/);
    expect(isQuantity(Number.POSITIVE_INFINITY)).toBe(false);
    expect(() => parseQuantity(Number.NaN)).toThrow(/invalid quantity/);
  });

  it("agrees with itself on any input: isQuantity exactly when parseQuantity returns a finite number", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[+-]?\d{0,3}(\.\d{0,3})?(Ki|Mi|Gi|[numkMGTPE]|e-?\d{1,3})?$/)), (q) => {
        let value: number | undefined;
        try {
          value = parseQuantity(q);
        } catch {
          value = undefined;
        }
        expect(isQuantity(q)).toBe(value !== undefined && Number.isFinite(value));
      }),
      { seed: 18, numRuns: 5000 },
    );
  });

  it("resolves int-or-percent values against a total", () => {
    expect(scaledValue("25%", 3, true)).toBe(1);
    expect(scaledValue("25%", 3, false)).toBe(0);
    expect(scaledValue(2, 10, true)).toBe(2);
  });
});
