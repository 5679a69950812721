// The pure parts of custom resources: CRD validation (structural schemas), pruning, defaulting,
// the schema's field errors, JSONPath, naming conflicts and the version order.
import { describe, expect, it } from "vitest";
import type { CustomResourceDefinition } from "../../../api/apiextensions";
import { customresourcedefinitions } from "../../../api/index";
import type { KObject } from "../../../api/resource";
import { compareVersions } from "./catalog";
import { customTypeFor } from "./custom-type";
import { findValues } from "./jsonpath";
import { judgeNames } from "./names";
import { applyDefaults, prune } from "./prune";
import { validateAgainst } from "./schema";
import { defaultCauses } from "./strategy";

const crd = (schema: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com", uid: "u1", generation: 1 },
  spec: { group: "example.com", names: { plural: "widgets", kind: "Widget" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }], ...more },
});

const fields = (schema: Record<string, unknown>, more?: Record<string, unknown>) =>
  customresourcedefinitions.validate(crd(schema, more), "Strict").errors.map((e) => `${e.field}: ${e.message}`);

describe("CRD validation", () => {
  it("accepts a structural schema and defaults names and conversion", () => {
    const res = customresourcedefinitions.validate(crd({ type: "object", properties: { spec: { type: "object", properties: { a: { type: "string" } } } } }), "Strict");
    expect(res.errors).toEqual([]);
    const spec = (res.object as unknown as CustomResourceDefinition).spec;
    expect(spec.names).toMatchObject({ singular: "widget", listKind: "WidgetList" });
    expect(spec.conversion).toEqual({ strategy: "None" });
  });

  it("refuses what is not structural, with the field", () => {
    const base = "spec.versions[0].schema.openAPIV3Schema";
    expect(fields({ type: "string" })).toContain(`${base}.type: Invalid value: "string": must be object at the root`);
    expect(fields({ type: "object", properties: { a: {} } })).toContain(`${base}.properties[a].type: Required value: must not be empty for specified fields`);
    expect(fields({ type: "object", properties: { a: { type: "array" } } })).toContain(`${base}.properties[a].items: Required value: must be specified`);
    expect(fields({ type: "object", properties: { a: { type: "object", $ref: "#/x" } } })[0]).toMatch(/properties\[a\]\.\$ref: Forbidden/);
    expect(fields({ type: "object", properties: { a: { type: "object", properties: {}, additionalProperties: { type: "string" } } } })[0]).toContain("mutual exclusive");
    expect(fields({ type: "object", properties: { a: { type: "string", anyOf: [{ type: "string" }] } } })[0]).toContain(`${base}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`);
    expect(fields({ type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } })[0]).toContain("must not specify anything other than name and generateName");
    expect(fields({ type: "object", properties: { a: { type: "string", minLength: "3" } } })).toContain(`${base}.properties[a].minLength: Invalid value: "3": must be a non-negative integer`);
    expect(fields({ type: "object", properties: { a: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "map" } } })[0]).toContain("x-kubernetes-list-map-keys: Required value");
  });

  it("checks names, group, scope and exactly one storage version", () => {
    const schema = { type: "object" };
    expect(customresourcedefinitions.validate({ ...crd(schema), metadata: { name: "other.example.com" } }, "Strict").errors[0].field).toBe("metadata.name");
    expect(fields(schema, { group: "example" })).toContain('spec.group: Invalid value: "example": should be a domain with at least one dot');
    expect(fields(schema, { scope: "Global" })[0]).toMatch(/^spec.scope: Unsupported value/);
    const two = [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }, { name: "v2", served: true, storage: true, schema: { openAPIV3Schema: schema } }];
    expect(fields(schema, { versions: two }).join()).toContain("must have exactly one version marked as storage version");
  });
});

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "string", enum: ["small", "large"], default: "small" },
        replicas: { type: "integer", minimum: 0, default: 1 },
        port: { "x-kubernetes-int-or-string": true },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
        items: { type: "array", items: { type: "object", properties: { name: { type: "string" }, weight: { type: "integer", default: 5 } } } },
        template: { type: "object", "x-kubernetes-embedded-resource": true, properties: { spec: { type: "object", properties: { x: { type: "string" } } } } },
        nothing: { type: "object" },
        maybe: { type: "string", nullable: true },
      },
    },
  },
};

describe("pruning and defaulting", () => {
  it("drops unknown fields (not under preserve-unknown-fields) and reports their paths", () => {
    const obj = {
      apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" },
      spec: { size: "large", bogus: 1, free: { any: { deep: true } }, labels: { a: "b" }, items: [{ name: "x", junk: 2 }], nothing: { gone: 1 }, maybe: null, replicas: null,
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: "y", z: 1 } } },
      top: 3,
    };
    expect(prune(obj, schema)).toEqual(["spec.bogus", "spec.items[0].junk", "spec.nothing.gone", "spec.template.spec.z", "top"]);
    expect(obj.spec).toEqual({ size: "large", free: { any: { deep: true } }, labels: { a: "b" }, items: [{ name: "x" }], nothing: {}, maybe: null, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: "y" } } });
  });

  it("fills in defaults top-down, in lists too, never over a value", () => {
    const obj = { spec: { size: "large", items: [{ name: "a" }, { name: "b", weight: 1 }] } };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ size: "large", replicas: 1, items: [{ name: "a", weight: 5 }, { name: "b", weight: 1 }] });
  });
});

describe("schema validation with ajv", () => {
  it("gives one Kubernetes field error per bad field", () => {
    const errors = validateAgainst(schema, { spec: { size: "huge", replicas: -1, port: true, labels: { a: 3 }, items: [{ weight: "x" }] } });
    expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.size: Unsupported value: "huge": supported values: "small", "large"',
      "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
      "spec.port: Invalid value: true: spec.port in body must validate at least one schema (anyOf)",
      'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
      'spec.items[0].weight: Invalid value: "string": spec.items[0].weight in body must be of type integer: "string"',
    ]);
    expect(validateAgainst(schema, { spec: { port: "80%", template: { kind: "Pod" } } }).map((e) => e.field)).toEqual(["spec.template.apiVersion"]);
  });

  it("validates a custom resource end to end: pruned, defaulted, stored in the storage version", () => {
    const def = customresourcedefinitions.validate(crd(schema, {
      versions: [
        { name: "v1beta1", served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: schema } },
        { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } },
      ],
    }), "Strict").object as unknown as CustomResourceDefinition;
    const rt = customTypeFor(def, def.spec.versions[0], () => def);
    const res = rt.validate({ apiVersion: "example.com/v1beta1", kind: "Widget", metadata: { name: "w" }, spec: { extra: 1 } }, "Warn");
    expect(res.errors).toEqual([]);
    expect((res.object as KObject).apiVersion).toBe("example.com/v1");
    expect((res.object as KObject).spec).toEqual({ size: "small", replicas: 1 });
    expect(res.warnings).toEqual(["example.com/v1beta1 Widget is deprecated", 'unknown field "spec.extra"']);
    expect(rt.validate({ apiVersion: "example.com/v1beta1", kind: "Widget", metadata: { name: "w", bad: 1 }, spec: { extra: 1 } }, "Strict").errors.map((e) => e.field)).toEqual(["spec.extra"]);
    const selectable = customTypeFor({ ...def, spec: { ...def.spec, versions: [{ ...def.spec.versions[1], selectableFields: [{ jsonPath: ".spec.size" }] }] } }, { ...def.spec.versions[1], selectableFields: [{ jsonPath: ".spec.size" }] }, () => def);
    expect(selectable.fieldSelectors?.["spec.size"]?.({ apiVersion: "example.com/v1", kind: "Widget", metadata: {}, spec: { size: "large" } })).toBe("large");
  });
});

describe("defaults in a CRD's schema", () => {
  it("must be valid under their own field and have no fields pruning would drop", () => {
    const bad = { type: "object", properties: { spec: { type: "object", properties: { replicas: { type: "integer", default: "x" }, opts: { type: "object", properties: { a: { type: "string" } }, default: { a: "y", b: 1 } } } } } };
    expect(defaultCauses(bad, "s").map((c) => `${c.field}: ${c.message}`)).toEqual([
      's.properties[spec].properties[replicas].default: Invalid value: "x": <root> in body must be of type integer: "string"',
      's.properties[spec].properties[opts].default: Invalid value: {"a":"y","b":1}: must not have unknown fields: b',
    ]);
    expect(defaultCauses(schema, "s")).toEqual([]);
  });
});

describe("JSONPath of printer columns", () => {
  const obj = { metadata: { labels: { "app.kubernetes.io/name": "x" } }, status: { conditions: [{ type: "Ready", status: "True" }, { type: "Synced", status: "False" }] }, spec: { list: [1, 2] } };
  it("reads fields, quoted keys, indexes, wildcards and filters", () => {
    expect(findValues(obj, ".metadata.labels['app.kubernetes.io/name']")).toEqual(["x"]);
    expect(findValues(obj, '.status.conditions[?(@.type=="Ready")].status')).toEqual(["True"]);
    expect(findValues(obj, ".spec.list[*]")).toEqual([1, 2]);
    expect(findValues(obj, ".spec.list[-1]")).toEqual([2]);
    expect(findValues(obj, ".spec.missing.deeper")).toEqual([]);
    expect(findValues(obj, "not a path")).toEqual([]);
  });
});

describe("names and versions", () => {
  const other = crd({ type: "object" }) as unknown as CustomResourceDefinition;
  it("refuses names taken in the group by an older CRD or a built-in kind", () => {
    const mine = { ...other, metadata: { name: "gizmos.example.com" }, spec: { ...other.spec, names: { plural: "gizmos", kind: "Widget" } } } as CustomResourceDefinition;
    expect(judgeNames(mine, [other], [])).toMatchObject({ accepted: false, reason: "KindConflict", message: '"Widget" is already in use' });
    expect(judgeNames(other, [], [])).toMatchObject({ accepted: true, reason: "NoConflicts" });
  });

  it("orders versions as Kubernetes does", () => {
    expect(["v1alpha1", "v1", "foo", "v2beta1", "v2", "v1beta2", "v10"].sort(compareVersions)).toEqual(["v10", "v2", "v1", "v2beta1", "v1beta2", "v1alpha1", "foo"]);
  });
});
