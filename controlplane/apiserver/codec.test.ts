// The plain-list fast path sends storedJson's text; it must mean exactly what decode gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, decodeContinue, encode, encodeContinue, storedJson } from "./codec";

const meta = fc.record({
  name: fc.string(),
  labels: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }),
  annotations: fc.option(fc.dictionary(fc.string(), fc.string({ unit: "binary" })), { nil: undefined }),
}, { requiredKeys: ["name"] });

describe("store codec", () => {
  it("storedJson means decode's object, whatever the text holds", () => {
    fc.assert(
      fc.property(meta, fc.jsonValue(), fc.integer({ min: 1, max: 2 ** 40 }), (metadata, spec, rev) => {
        // spec first, so the scan for the top-level metadata must step over whatever spec holds.
        const value = encode({ apiVersion: "v1", kind: "ConfigMap", spec, metadata } as never);
        const sv = { key: "/k", value, modRevision: rev, createRevision: 1 };
        expect(JSON.parse(storedJson(sv))).toEqual(decode(sv));
      }),
      { seed: 18, numRuns: 300 },
    );
  });

  it("storedJson falls back to decoding when the text already names a resourceVersion", () => {
    const sv = { key: "/k", value: '{"kind":"X","data":{"resourceVersion":"9"},"metadata":{}}', modRevision: 3, createRevision: 1 };
    expect(JSON.parse(storedJson(sv))).toEqual(decode(sv));
  });

  it("accepts its own continue tokens only for the list they came from", () => {
    const token = encodeContinue("/registry/core/pods/default/b", 7);
    expect(decodeContinue(token, "/registry/core/pods/")).toEqual({ start: "/registry/core/pods/default/b", revision: 7 });
    expect(() => decodeContinue(token, "/registry/core/secrets/")).toThrow(/continue key is not valid/);
    expect(() => decodeContinue("%%%", "/registry/core/pods/")).toThrow(/continue key is not valid/);
  });

  it("carries the first page's revision, or -1 for a token that continues at the current state", () => {
    expect(decodeContinue(encodeContinue("/registry/core/pods/a", -1), "/registry/core/pods/").revision).toBe(-1);
    const noRevision = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", start: "/registry/core/pods/a" })).toString("base64url");
    expect(() => decodeContinue(noRevision, "/registry/core/pods/")).toThrow("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  });
});
