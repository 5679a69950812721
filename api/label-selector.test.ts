import { describe, expect, it } from "vitest";
import { LabelSelectorSyntaxError, matchesLabels, parseLabelSelector } from "./label-selector";

describe("label selectors in text form", () => {
  const labels = { app: "web", tier: "front", env: "prod" };
  it("match as Kubernetes' labels.Parse reads them", () => {
    for (const [sel, want] of [
      ["", true],
      ["app=web", true],
      ["app==web,tier!=db", true],
      ["env in (prod, staging)", true],
      ["env notin (prod)", false],
      ["tier", true],
      ["!legacy", true],
      ["!app", false],
      ["app=web,env in (dev)", false],
    ] as const) expect(matchesLabels(parseLabelSelector(sel), labels), sel).toBe(want);
  });

  it("refuse junk with Kubernetes' message, as their own error", () => {
    expect(() => parseLabelSelector("app=(x)")).toThrow(LabelSelectorSyntaxError);
    expect(() => parseLabelSelector("a b c")).toThrow('unable to parse requirement: "a b c"');
  });
});
