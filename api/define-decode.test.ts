import { describe, expect, it } from "vitest";
import { decode } from "./define";
import { findByKind } from "./index";

const pods = findByKind("v1", "Pod")!;
const body = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", labels: { app: "a" } },
  spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }] }] },
});

describe("decode", () => {
  it("returns its own copy of a body it need not change, and leaves the body alone", () => {
    const b = body();
    const before = JSON.stringify(b);
    const out = decode(pods.schema, b, "Strict").value as ReturnType<typeof body>;
    expect(out).toEqual(b);
    expect(out.spec.containers[0]).not.toBe(b.spec.containers[0]);
    expect(out.metadata.labels).not.toBe(b.metadata.labels);
    expect(JSON.stringify(b)).toBe(before);
  });

  it("drops nulls and unknown fields without touching the body", () => {
    const b = { ...body(), spec: { ...body().spec, nodeName: null, bogus: 1 } };
    const before = JSON.stringify(b);
    const out = decode(pods.schema, b, "Warn");
    expect(out.warnings).toEqual(['unknown field "spec.bogus"']);
    expect(out.value).toEqual(body());
    expect(JSON.stringify(b)).toBe(before);
    // Without a null the body is not copied up front: deleting the unknown field must not reach it.
    const unknownOnly = { ...body(), spec: { ...body().spec, bogus: 1 } };
    expect(decode(pods.schema, unknownOnly, "Ignore").value).toEqual(body());
    expect(unknownOnly.spec.bogus).toBe(1);
    expect(decode(pods.schema, JSON.parse(before), "Strict").errors).toEqual([{ reason: "FieldValueUnknown", field: "spec.bogus", message: 'unknown field "spec.bogus"' }]);
  });

  it("keeps a __proto__ key as data", () => {
    const b = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"__proto__":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}');
    const out = decode(pods.schema, b, "Strict").value as { metadata: { labels: Record<string, string> } };
    expect(Object.keys(out.metadata.labels)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
  });
});
