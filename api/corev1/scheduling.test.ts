import { describe, expect, it } from "vitest";
import { toleratesTaint, tolerationsTolerateTaint, type Taint, type Toleration } from "./scheduling";

const taint: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };

describe("toleratesTaint (k8s.io/api/core/v1 Toleration.ToleratesTaint)", () => {
  const cases: [string, Toleration, Taint, boolean][] = [
    ["Exists with the key ignores the value", { key: "dedicated", operator: "Exists", value: "other", effect: "NoSchedule" }, taint, true],
    ["Equal with the same value", { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }, taint, true],
    ["Equal with another value", { key: "dedicated", operator: "Equal", value: "cpu", effect: "NoSchedule" }, taint, false],
    ["empty operator means Equal", { key: "dedicated", value: "gpu" }, taint, true],
    ["empty operator, value differs", { key: "dedicated" }, taint, false],
    ["another effect", { key: "dedicated", operator: "Exists", effect: "NoExecute" }, taint, false],
    ["empty effect matches any effect", { key: "dedicated", operator: "Exists" }, taint, true],
    ["another key", { key: "zone", operator: "Exists" }, taint, false],
    ["empty key with Exists tolerates everything", { operator: "Exists" }, taint, true],
    ["empty key, Equal, both values empty", { operator: "Equal" }, { key: "x", effect: "NoSchedule" }, true],
    ["unknown operator", { key: "dedicated", operator: "Gt", value: "gpu" }, taint, false],
    ["absent taint value equals empty toleration value", { key: "k", value: "" }, { key: "k", effect: "NoExecute" }, true],
  ];
  it.each(cases)("%s", (_name, toleration, t, want) => {
    expect(toleratesTaint(toleration, t)).toBe(want);
  });

  it("tolerationsTolerateTaint is true when any toleration matches, false for none", () => {
    expect(tolerationsTolerateTaint([{ key: "zone", operator: "Exists" }, { key: "dedicated", value: "gpu" }], taint)).toBe(true);
    expect(tolerationsTolerateTaint([{ key: "zone", operator: "Exists" }], taint)).toBe(false);
    expect(tolerationsTolerateTaint(undefined, taint)).toBe(false);
  });
});
