import { describe, expect, it } from "vitest";
import { LabelSelectorSyntaxError, matchesLabels, parseLabelSelector } from "./label-selector";
import { selectorMatches } from "./meta";

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

describe("structured LabelSelectors (metav1)", () => {
  const labels = { app: "web", env: "prod" };
  it("match through the same requirements, an unknown operator matching nothing", () => {
    expect(selectorMatches({ matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }, { key: "app", operator: "Exists" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "db" } }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "Gt" as "In", values: ["1"] }] }, labels)).toBe(false);
  });
});
