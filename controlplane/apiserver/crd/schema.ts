// Validation of custom resources by a CRD version's openAPIV3Schema with ajv: the
// OpenAPI/Kubernetes dialect turned into the JSON Schema ajv knows (int-or-string as anyOf,
// draft-4 exclusive bounds, embedded resources needing apiVersion and kind), each schema node
// compiled once and remembered, and ajv's errors as Kubernetes' field errors
// ("spec.replicas: Invalid value: ...").
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FieldCause } from "../../../api/resource";
import { fieldError } from "../../../api/validation";

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => Boolean(v) && typeof v === "object" && !Array.isArray(v);

// One ajv for every CRD: formats are not checked (Kubernetes checks only a few, leniently) and
// the x-kubernetes-* keywords are ignored rather than refused (strict: false).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false, addUsedSchema: false });

/** The schema rewritten for ajv; the input is never changed. */
export function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "default" || k === "example" || k === "enum") out[k] = v;
    else out[k] = toAjvSchema(v);
  }
  if (out["x-kubernetes-int-or-string"] === true && !out.anyOf && !out.oneOf) out.anyOf = [{ type: "integer" }, { type: "string" }];
  if (out.exclusiveMaximum === true && typeof out.maximum === "number") {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (typeof out.exclusiveMaximum === "boolean") delete out.exclusiveMaximum;
  if (out.exclusiveMinimum === true && typeof out.minimum === "number") {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (typeof out.exclusiveMinimum === "boolean") delete out.exclusiveMinimum;
  if (out.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  delete out.nullable;
  if (out["x-kubernetes-embedded-resource"] === true) {
    const props = isNode(out.properties) ? out.properties : {};
    out.properties = { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, ...props };
    out.required = [...new Set([...((out.required as string[]) ?? []), "apiVersion", "kind"])];
  }
  return out;
}

// Compiling a whole schema of hundreds of KB takes ajv seconds (and blocks the server that
// long), so each node's own keywords are compiled on their own, when a value first reaches that
// node, and the walk from node to node (properties, additionalProperties, items) is done here:
// validation costs what the object touches, not what the CRD declares. Nodes with the same
// keywords share one compiled function.
const byNode = new WeakMap<Node, ValidateFunction>();
const byKeywords = new Map<string, ValidateFunction>();
const STRUCTURE = new Set(["properties", "additionalProperties", "items", "default", "description", "example", "externalDocs", "title"]);

function shallowValidator(node: Node): ValidateFunction {
  let v = byNode.get(node);
  if (!v) {
    const own: Node = {};
    for (const [k, val] of Object.entries(node)) if (!STRUCTURE.has(k)) own[k] = val;
    const schema = toAjvSchema(own) as Node;
    const id = JSON.stringify(schema);
    v = byKeywords.get(id);
    if (!v) byKeywords.set(id, (v = compileOrRefuse(schema)));
    byNode.set(node, v);
  }
  return v;
}

/** ajv's function, or one that refuses every value with why (a schema ajv cannot read must not crash a write). */
function compileOrRefuse(schema: Node): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (e) {
    const message = `the schema of this field cannot be used: ${(e as Error).message}`;
    const refuse = (() => {
      refuse.errors = [{ keyword: "schema", instancePath: "", schemaPath: "#", params: {}, message }];
      return false;
    }) as unknown as ValidateFunction;
    return refuse;
  }
}

function walk(value: unknown, node: Node, path: string, errors: ErrorObject[]): void {
  const check = shallowValidator(node);
  if (!check(value)) {
    const own = check.errors ?? [];
    for (const e of own) errors.push({ ...e, instancePath: path + e.instancePath, schemaPath: `${path}|${e.schemaPath}` });
    if (own.some((e) => e.keyword === "type" && e.instancePath === "")) return;
  }
  if (Array.isArray(value)) {
    if (isNode(node.items)) value.forEach((v, i) => walk(v, node.items as Node, `${path}/${i}`, errors));
  } else if (isNode(value)) {
    const props = isNode(node.properties) ? node.properties : {};
    const additional = isNode(node.additionalProperties) ? node.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      const child = isNode(props[k]) ? (props[k] as Node) : additional;
      if (child) walk(v, child, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, errors);
    }
  }
}

/** The field errors of a custom resource under its version's structural schema. */
export function validateAgainst(schema: Node, value: unknown): FieldCause[] {
  const errors: ErrorObject[] = [];
  walk(value, schema, "", errors);
  return errors.length ? schemaCauses(errors, value) : [];
}

/** "/spec/items/0/name" as Kubernetes writes it: "spec.items[0].name". */
function fieldOf(instancePath: string, root: unknown): string {
  let out = "";
  let cur: unknown = root;
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      out += `[${part}]`;
      cur = cur[Number(part)];
    } else {
      out += out === "" ? part : `.${part}`;
      cur = isNode(cur) ? cur[part] : undefined;
    }
  }
  return out;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = Array.isArray(cur) ? cur[Number(part)] : isNode(cur) ? cur[part] : undefined;
  }
  return cur;
}

const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);

/** ajv's errors as field causes: one per field, the branches of a failed anyOf/oneOf folded into it. */
export function schemaCauses(errors: ErrorObject[] | null | undefined, root: unknown): FieldCause[] {
  const list = errors ?? [];
  const junctions = list.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.schemaPath + "/");
  const out: FieldCause[] = [];
  const seen = new Set<string>();
  for (const e of list) {
    if (junctions.some((j) => e.schemaPath.startsWith(j))) continue;
    const cause = causeOf(e, root);
    const id = `${cause.field}|${cause.message}`;
    if (!seen.has(id)) out.push(cause);
    seen.add(id);
  }
  return out;
}

function causeOf(e: ErrorObject, root: unknown): FieldCause {
  const field = fieldOf(e.instancePath, root);
  const value = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const where = `${field || "<root>"} in body`;
  switch (e.keyword) {
    case "required":
      return fieldError.required(field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty));
    case "type":
      return fieldError.typeInvalid(field, jsonType(value), `${where} must be of type ${String(p.type)}: ${JSON.stringify(jsonType(value))}`);
    case "enum":
      return fieldError.notSupported(field, value, (p.allowedValues as unknown[]).map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
    case "maximum":
    case "exclusiveMaximum":
      return fieldError.invalid(field, value, `${where} should be less than ${e.keyword === "maximum" ? "or equal to " : ""}${String(p.limit)}`);
    case "minimum":
    case "exclusiveMinimum":
      return fieldError.invalid(field, value, `${where} should be greater than ${e.keyword === "minimum" ? "or equal to " : ""}${String(p.limit)}`);
    case "maxLength":
      return { reason: "FieldValueTooLong", field, message: `Too long: may not be more than ${String(p.limit)} bytes` };
    case "minLength":
      return fieldError.invalid(field, value, `${where} should be at least ${String(p.limit)} chars long`);
    case "pattern":
      return fieldError.invalid(field, value, `${where} should match '${String(p.pattern)}'`);
    case "maxItems":
      return { reason: "FieldValueTooMany", field, message: `Too many: ${(value as unknown[]).length}: must have at most ${String(p.limit)} items` };
    case "minItems":
      return fieldError.invalid(field, value, `${where} should have at least ${String(p.limit)} items`);
    case "anyOf":
    case "oneOf":
      return fieldError.invalid(field, value, `${where} must validate ${e.keyword === "oneOf" ? "one and only one schema (oneOf)" : "at least one schema (anyOf)"}`);
    default:
      return fieldError.invalid(field, value, `${where} ${e.message ?? "is invalid"}`);
  }
}
