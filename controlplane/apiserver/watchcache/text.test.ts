import { describe, expect, it } from "vitest";
import { withoutManagedFields } from "./text";

const mf = [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {} } } } } }];

/** The object as JSON with metadata.managedFields deleted: what the cut text must decode to. */
function expected(obj: Record<string, unknown>): unknown {
  const copy = JSON.parse(JSON.stringify(obj)) as { metadata?: Record<string, unknown> };
  delete copy.metadata?.managedFields;
  return copy;
}

describe("withoutManagedFields", () => {
  const cases: Record<string, Record<string, unknown>> = {
    "managedFields between other members": { apiVersion: "v1", kind: "Pod", metadata: { name: "a", managedFields: mf, uid: "u" }, spec: {} },
    "managedFields last in metadata": { kind: "Pod", metadata: { name: "a", labels: { x: "y" }, managedFields: mf }, status: { phase: "Running" } },
    "managedFields first in metadata": { metadata: { managedFields: mf, name: "a" } },
    "managedFields alone in metadata": { metadata: { managedFields: mf } },
    "metadata after the spec": { spec: { managedFields: ["not metadata's"], x: '"managedFields":[1]' }, metadata: { name: "a", managedFields: mf } },
    "the key in an annotation's text and in a nested object": {
      metadata: { name: "a", annotations: { "last-applied": JSON.stringify({ metadata: { managedFields: [] } }), '"managedFields"': "v" }, ownerReferences: [{ managedFields: 1 }], managedFields: mf },
    },
    "no managedFields in metadata, one elsewhere": { metadata: { name: "a" }, spec: { managedFields: [{ a: 1 }] }, data: { managedFields: "x" } },
    "escaped quotes and backslashes in strings": { metadata: { name: "a\\\"b", annotations: { k: 'x\\"}]' }, managedFields: mf, uid: "\"" } },
  };
  for (const [name, obj] of Object.entries(cases)) {
    it(`cuts the member out exactly: ${name}`, () => {
      expect(JSON.parse(withoutManagedFields(JSON.stringify(obj)))).toEqual(expected(obj));
      expect(JSON.parse(withoutManagedFields(JSON.stringify(obj, null, 2)))).toEqual(expected(obj));
    });
  }

  it("keeps every other member's text as it is", () => {
    const text = JSON.stringify(cases["managedFields between other members"]);
    expect(withoutManagedFields(text)).toBe('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","uid":"u"},"spec":{}}');
  });

  it("returns text that is not an object with metadata as it is", () => {
    for (const text of ['"managedFields"', '["managedFields",{"metadata":{"managedFields":[]}}]', '{"metadata":"managedFields"}', '{"metadata":{"managedFields":[', "not json managedFields"]) {
      expect(withoutManagedFields(text)).toBe(text);
    }
  });
});
