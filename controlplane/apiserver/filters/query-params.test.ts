import { describe, expect, it } from "vitest";
import { checkQueryParams } from "./query-params";

describe("query parameters", () => {
  it("take every strconv.ParseBool spelling and leave them spelled true/false for every later reader", () => {
    for (const [given, read] of [["True", "true"], ["1", "true"], ["t", "true"], ["TRUE", "true"], ["False", "false"], ["0", "false"], ["F", "false"]]) {
      const q = new URLSearchParams(`watch=${given}&follow=${given}&labelSelector=a%3Db`);
      checkQueryParams(q);
      expect(q.toString(), given).toBe(`watch=${read}&follow=${read}&labelSelector=a%3Db`);
    }
  });

  it("answer junk with 400", () => {
    for (const bad of ["watch=yes", "watch=", "limit=abc", "limit=1.5", "limit=1e3", "limit=-1", "sinceSeconds=0", "timeout=5", "resourceVersion=x"]) {
      expect(() => checkQueryParams(new URLSearchParams(bad)), bad).toThrow(expect.objectContaining({ code: 400, reason: "BadRequest" }));
    }
    expect(() => checkQueryParams(new URLSearchParams("limit=%2B5&timeout=5s&resourceVersion=0"))).not.toThrow();
  });
});
