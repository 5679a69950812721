import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLAIN_PATH } from "./url-check";

describe("the URL check's fast path", () => {
  it("only lets through what the full URL parser accepts", () => {
    const chars = fc.constantFrom(..."/\\[]%?#@:a.z0-9 \t\n\r~".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }).map((a) => "/" + a.join("")), (raw) => {
        if (PLAIN_PATH.test(raw)) expect(URL.canParse(raw, "http://localhost")).toBe(true);
      }),
      { seed: 10, numRuns: 20_000 },
    );
  });
  it("sends authority-looking and backslash paths to the full parser", () => {
    for (const raw of ["//[", "//x", "/\\x", "\\x", "/\t/x"]) expect(PLAIN_PATH.test(raw)).toBe(false);
  });
});
