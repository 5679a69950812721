// Properties of the patch engine (strategic merge, JSON merge, JSON patch, server-side apply,
// managedFields): on any document and any patch, with keys like __proto__, constructor,
// prototype and the strategic directives mixed in, each returns a value or throws a PatchError
// (an ApiError with its Status), and no prototype of the process ever changes.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../controlplane/apiserver/errors";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, serverSideApply, updateManagedFields } from "../../controlplane/apiserver/patch";
import { deploymentSchema, sampleDeployment } from "../../controlplane/apiserver/patch/testdata";
import { assertForSeeds } from "./seeds";

const RUNS = 1_500;

const KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "$patch", "$retainKeys", "$setElementOrder/containers", "$deleteFromPrimitiveList/args", "$setElementOrder/__proto__", "spec", "template", "containers", "name", "image", "env", "value", "metadata", "labels", "x", "polluted"];

/** A JSON-like value whose object keys are built with defineProperty, so "__proto__" is an own key as JSON.parse makes it. */
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, 1, "a", "replace", "delete", "merge", "polluted"),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom(...KEYS), tie("v")), { maxLength: 4 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
})).v;

const pointer = fc.array(fc.constantFrom("spec", "template", "containers", "0", "-", "__proto__", "constructor", "prototype", "polluted", "metadata", "labels", "x~1y"), { maxLength: 5 }).map((p) => "/" + p.join("/"));
const jsonPatch = fc.array(fc.record({ op: fc.constantFrom("add", "remove", "replace", "move", "copy", "test", "bogus"), path: pointer, from: pointer, value }, { requiredKeys: ["op", "path"] }), { maxLength: 4 });

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, Object, Array];
const pristine = PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort().join(","));

/** Fails when anything was added onto the prototypes (or constructors) a patch could reach. */
function prototypesUntouched(): true {
  PROTOTYPES.forEach((p, i) => {
    const now = Object.getOwnPropertyNames(p).sort().join(",");
    if (now !== pristine[i]) throw new Error(`prototype polluted: ${now.split(",").filter((k) => !pristine[i]!.split(",").includes(k)).join(",")}`);
  });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  return true;
}

function valueOrPatchError(fn: () => unknown): true {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ApiError) || e.code < 400 || e.code >= 500) throw e;
  }
  return prototypesUntouched();
}

afterEach(() => {
  // Should a property ever fail, the next one starts clean.
  PROTOTYPES.forEach((p, i) => {
    const before = new Set(pristine[i]!.split(","));
    for (const k of Object.getOwnPropertyNames(p)) if (!before.has(k)) delete (p as unknown as Record<string, unknown>)[k];
  });
});

describe("patch engine on hostile input", () => {
  it("strategic merge patch", () => {
    assertForSeeds(fc.property(value, value, (doc, patch) => valueOrPatchError(() => applyStrategicMergePatch(doc ?? sampleDeployment(), patch, deploymentSchema))), RUNS);
  });

  it("JSON merge patch", () => {
    assertForSeeds(fc.property(value, value, (doc, patch) => valueOrPatchError(() => applyMergePatch(doc, patch))), RUNS);
  });

  it("JSON patch", () => {
    assertForSeeds(fc.property(fc.oneof(value, fc.constant(sampleDeployment())), jsonPatch, (doc, ops) => valueOrPatchError(() => applyJsonPatch(doc, ops))), RUNS);
  });

  it("server-side apply and managedFields", () => {
    const now = "2026-01-01T00:00:00Z";
    assertForSeeds(fc.property(value, value, (live, applied) => valueOrPatchError(() => {
      const base = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } };
      const a = applied && typeof applied === "object" && !Array.isArray(applied) ? { ...base, ...applied } : base;
      serverSideApply({ live: live as never, applied: a as never, manager: "fuzz", force: false, schema: deploymentSchema, now });
      updateManagedFields({ before: live as never, after: a as never, manager: "fuzz", operation: "Update", apiVersion: "apps/v1", now, schema: deploymentSchema });
    })), RUNS);
  });

  it("refuses the reported reproductions and leaves Object.prototype alone", () => {
    const cm = { data: { a: "b" } };
    expect(() => applyStrategicMergePatch(cm, JSON.parse('{"data":{"__proto__":{"x":"y"}}}'), {})).toThrowError(expect.objectContaining({ code: 422, reason: "Invalid" }));
    expect(() => applyMergePatch(cm, JSON.parse('{"data":{"__proto__":{"x":"y"}}}'))).toThrowError(expect.objectContaining({ code: 422 }));
    expect(() => applyJsonPatch(cm, [{ op: "add", path: "/data/__proto__/x", value: "y" }])).toThrowError(expect.objectContaining({ code: 422 }));
    expect(() => applyJsonPatch(cm, [{ op: "add", path: "/data/constructor/prototype/x", value: "y" }])).toThrowError(expect.objectContaining({ code: 422 }));
    expect(applyMergePatch(cm, { data: { constructor: { prototype: { x: "y" } } } })).toEqual({ data: { a: "b", constructor: { prototype: { x: "y" } } } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
