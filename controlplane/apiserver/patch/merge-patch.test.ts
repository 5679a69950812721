import { describe, expect, it } from "vitest";
import { applyMergePatch } from "./merge-patch";
import { sampleDeployment } from "./testdata";

describe("applyMergePatch", () => {
  it("scales like `kubectl scale` does", () => {
    const out = applyMergePatch(sampleDeployment(), { spec: { replicas: 5 } });
    expect(out.spec.replicas).toBe(5);
    expect(out.spec.template.spec.containers).toHaveLength(2);
  });

  it("deletes keys set to null and merges maps recursively", () => {
    const out = applyMergePatch(sampleDeployment(), { metadata: { annotations: { note: null, added: "y" }, labels: { tier: "fe" } } });
    expect(out.metadata.annotations).toEqual({ team: "a", added: "y" });
    expect(out.metadata.labels).toEqual({ app: "web", tier: "fe" });
  });

  it("replaces arrays as a whole", () => {
    const out = applyMergePatch(sampleDeployment(), { spec: { template: { spec: { containers: [{ name: "only", image: "x" }] } } } });
    expect(out.spec.template.spec.containers).toEqual([{ name: "only", image: "x" }]);
  });

  it("follows the examples of RFC 7386", () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      [{ a: "b" }, { a: "c" }, { a: "c" }],
      [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
      [{ a: "b" }, { a: null }, {}],
      [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
      [{ a: ["b"] }, { a: "c" }, { a: "c" }],
      [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
      [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
      [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) expect(applyMergePatch(target, patch)).toEqual(want);
  });

  it("leaves its inputs unchanged", () => {
    const d = sampleDeployment();
    const patch = { metadata: { labels: { app: null } } };
    const out = applyMergePatch(d, patch);
    expect(d.metadata.labels).toEqual({ app: "web" });
    expect(patch).toEqual({ metadata: { labels: { app: null } } });
    out.spec.template.spec.containers[0].image = "changed";
    expect(d.spec.template.spec.containers[0].image).toBe("nginx:1.27");
  });

  it("refuses a patch that is not an object with 400", () => {
    expect(() => applyMergePatch({}, [1])).toThrow(expect.objectContaining({ code: 400 }));
  });
});
