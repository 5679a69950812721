import { describe, expect, it } from "vitest";
import { isQuantity, parseQuantity, scaledValue } from "./quantity";

describe("resource quantities", () => {
  it("reads cpu in cores", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("0.25")).toBe(0.25);
    expect(parseQuantity(1.5)).toBe(1.5);
  });

  it("reads memory in bytes with binary and decimal suffixes", () => {
    expect(parseQuantity("128Mi")).toBe(128 * 1024 * 1024);
    expect(parseQuantity("1Gi")).toBe(1073741824);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("64k")).toBe(64000);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1.5Ki")).toBe(1536);
  });

  it("rejects malformed quantities", () => {
    expect(isQuantity("500x")).toBe(false);
    expect(isQuantity("Mi")).toBe(false);
    expect(isQuantity("1 Gi")).toBe(false);
    expect(() => parseQuantity("lots")).toThrow(/quantities must match/);
  });

  it("resolves int-or-percent values against a total", () => {
    expect(scaledValue("25%", 3, true)).toBe(1);
    expect(scaledValue("25%", 3, false)).toBe(0);
    expect(scaledValue(2, 10, true)).toBe(2);
  });
});
