import { describe, expect, it } from "vitest";
import { compareStrings } from "./order";

describe("compareStrings", () => {
  it("orders as Go's sort.Strings does: by code, capitals before small letters, not by the locale", () => {
    expect(["b", "é", "B", "a", "A", "10.0.0.9", "10.0.0.10"].sort(compareStrings)).toEqual(["10.0.0.10", "10.0.0.9", "A", "B", "a", "b", "é"]);
    expect(compareStrings("x", "x")).toBe(0);
  });
});
