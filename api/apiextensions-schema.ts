// The structural-schema rules of a CRD version's openAPIV3Schema, as apiextensions-apiserver's
// ValidateCustomResourceDefinitionOpenAPISchema and structural.ValidateStructural have them:
// every field has a type (int-or-string and preserve-unknown-fields nodes aside), the root is an
// object, metadata only names name/generateName, value validations (allOf/anyOf/oneOf/not) do not
// declare types or defaults, and the JSON-Schema features Kubernetes forbids are refused. The
// schema's own validation of custom resources is ajv's (controlplane/apiserver/crd/).
import type { FieldCause } from "./resource";
import { fieldError } from "./validation";

type Node = Record<string, unknown>;

const KEYWORDS = new Set([
  "id", "$schema", "$ref", "description", "type", "format", "title", "default", "maximum", "exclusiveMaximum", "minimum",
  "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "enum",
  "maxProperties", "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties", "additionalProperties",
  "patternProperties", "dependencies", "additionalItems", "definitions", "externalDocs", "example", "nullable",
  "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
  "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-validations",
]);
const FORBIDDEN = ["$ref", "$schema", "id", "definitions", "dependencies", "patternProperties", "additionalItems"];
const TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const JUNCTORS = ["allOf", "anyOf", "oneOf"] as const;
/** What a value validation (inside allOf/anyOf/oneOf/not) may not declare. */
const NOT_IN_JUNCTORS = ["type", "default", "nullable", "additionalProperties", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"];

const isNode = (v: unknown): v is Node => Boolean(v) && typeof v === "object" && !Array.isArray(v);

/** What each keyword's value must be (JSONSchemaProps' Go types). */
const KEYWORD_TYPES: Record<string, [string, (v: unknown) => boolean]> = {
  description: ["string", (v) => typeof v === "string"],
  format: ["string", (v) => typeof v === "string"],
  title: ["string", (v) => typeof v === "string"],
  type: ["string", (v) => typeof v === "string"],
  required: ["list of strings", (v) => Array.isArray(v) && v.every((x) => typeof x === "string")],
  enum: ["list", Array.isArray],
  nullable: ["boolean", (v) => typeof v === "boolean"],
  uniqueItems: ["boolean", (v) => typeof v === "boolean"],
  exclusiveMaximum: ["boolean", (v) => typeof v === "boolean"],
  exclusiveMinimum: ["boolean", (v) => typeof v === "boolean"],
  maximum: ["number", (v) => typeof v === "number"],
  minimum: ["number", (v) => typeof v === "number"],
  multipleOf: ["number greater than 0", (v) => typeof v === "number" && v > 0],
  "x-kubernetes-preserve-unknown-fields": ["boolean", (v) => typeof v === "boolean"],
  "x-kubernetes-embedded-resource": ["boolean", (v) => typeof v === "boolean"],
  "x-kubernetes-int-or-string": ["boolean", (v) => typeof v === "boolean"],
  "x-kubernetes-list-map-keys": ["list of strings", (v) => Array.isArray(v) && v.every((x) => typeof x === "string")],
  "x-kubernetes-validations": ["list", Array.isArray],
};
for (const k of ["maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"]) {
  KEYWORD_TYPES[k] = ["non-negative integer", (v) => Number.isInteger(v) && (v as number) >= 0];
}

/** Every structural-schema problem of a version's openAPIV3Schema; path is where it sits. */
export function validateStructuralSchema(schema: Node, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (schema.type !== "object") out.push(fieldError.invalid(`${path}.type`, schema.type ?? "", "must be object at the root"));
  checkNode(schema, path, out, false);
  const props = isNode(schema.properties) ? schema.properties : {};
  checkRootMetadata(props.metadata, `${path}.properties[metadata]`, out);
  for (const f of ["apiVersion", "kind"]) {
    const p = props[f];
    if (isNode(p) && p.type !== undefined && p.type !== "string") out.push(fieldError.invalid(`${path}.properties[${f}].type`, p.type, "must be string"));
  }
  return out;
}

function checkRootMetadata(meta: unknown, path: string, out: FieldCause[]): void {
  if (!isNode(meta)) return;
  const extra = Object.keys(meta).filter((k) => !["type", "properties", "description"].includes(k));
  const props = isNode(meta.properties) ? meta.properties : {};
  const otherProps = Object.keys(props).filter((k) => k !== "name" && k !== "generateName");
  if (extra.length || otherProps.length) {
    out.push(fieldError.forbidden(path, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
  }
  for (const k of ["name", "generateName"]) {
    const p = props[k];
    if (isNode(p) && p.type !== "string") out.push(fieldError.invalid(`${path}.properties[${k}].type`, p.type ?? "", "must be string"));
  }
}

function checkNode(node: Node, path: string, out: FieldCause[], inJunctor: boolean): void {
  for (const [k, v] of Object.entries(node)) {
    if (!KEYWORDS.has(k)) out.push(fieldError.unknown(`${path}.${k}`));
    const expected = KEYWORD_TYPES[k];
    if (expected && !expected[1](v)) out.push(fieldError.typeInvalid(`${path}.${k}`, v, `must be a ${expected[0]}`));
  }
  for (const k of FORBIDDEN) if (node[k] !== undefined) out.push(fieldError.forbidden(`${path}.${k}`, `${k} is not supported`));
  if (node.uniqueItems === true) out.push(fieldError.forbidden(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (node.additionalProperties === false) out.push(fieldError.forbidden(`${path}.additionalProperties`, "additionalProperties cannot be set to false"));
  if (node.properties !== undefined && node.additionalProperties !== undefined && node.additionalProperties !== true) {
    out.push(fieldError.forbidden(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
  }
  if (inJunctor) {
    for (const k of NOT_IN_JUNCTORS) if (node[k] !== undefined) out.push(fieldError.forbidden(`${path}.${k}`, "must be empty to be structural"));
  } else checkType(node, path, out);
  checkPattern(node, path, out);
  checkExtensions(node, path, out);
  checkChildren(node, path, out, inJunctor);
}

function checkType(node: Node, path: string, out: FieldCause[]): void {
  const type = node.type;
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (type === undefined || type === "") {
    if (!intOrString && !preserve) out.push(fieldError.required(`${path}.type`, "must not be empty for specified fields"));
    return;
  }
  if (intOrString) out.push(fieldError.invalid(`${path}.type`, type, "must be empty if x-kubernetes-int-or-string is true"));
  if (typeof type !== "string" || !TYPES.includes(type)) {
    out.push(fieldError.notSupported(`${path}.type`, type, TYPES));
    return;
  }
  if (type === "array" && !isNode(node.items)) out.push(fieldError.required(`${path}.items`, "must be specified"));
  if (type !== "object" && (node.properties !== undefined || isNode(node.additionalProperties))) {
    out.push(fieldError.forbidden(`${path}.properties`, "must not be specified for a type other than object"));
  }
  if (node["x-kubernetes-embedded-resource"] === true && type !== "object") out.push(fieldError.invalid(`${path}.type`, type, "must be object if x-kubernetes-embedded-resource is true"));
}

function checkPattern(node: Node, path: string, out: FieldCause[]): void {
  if (node.pattern === undefined) return;
  if (typeof node.pattern !== "string") return void out.push(fieldError.typeInvalid(`${path}.pattern`, node.pattern, "must be a string"));
  try {
    new RegExp(node.pattern, "u");
  } catch (e) {
    out.push(fieldError.invalid(`${path}.pattern`, node.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
  }
}

function checkExtensions(node: Node, path: string, out: FieldCause[]): void {
  const listType = node["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (!["atomic", "set", "map"].includes(listType as string)) out.push(fieldError.notSupported(`${path}.x-kubernetes-list-type`, listType, ["atomic", "set", "map"]));
    else if (node.type !== "array") out.push(fieldError.invalid(`${path}.type`, node.type ?? "", "must be array if x-kubernetes-list-type is specified"));
  }
  const keys = node["x-kubernetes-list-map-keys"];
  if (listType === "map") {
    const items = isNode(node.items) ? node.items : {};
    const props = isNode(items.properties) ? items.properties : {};
    if (!Array.isArray(keys) || keys.length === 0) out.push(fieldError.required(`${path}.x-kubernetes-list-map-keys`, "must not be empty if x-kubernetes-list-type is map"));
    else if (items.type !== "object") out.push(fieldError.invalid(`${path}.items.type`, items.type ?? "", "must be object if parent array's x-kubernetes-list-type is map"));
    else keys.forEach((k, i) => {
      const p = props[k as string];
      if (!isNode(p)) out.push(fieldError.invalid(`${path}.x-kubernetes-list-map-keys[${i}]`, k, "must be a property of the items"));
      else if (p.type === "object" || p.type === "array") out.push(fieldError.invalid(`${path}.items.properties[${k}].type`, p.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
    });
  } else if (keys !== undefined) {
    out.push(fieldError.forbidden(`${path}.x-kubernetes-list-map-keys`, "must not be specified unless x-kubernetes-list-type is map"));
  }
  const mapType = node["x-kubernetes-map-type"];
  if (mapType !== undefined && !["granular", "atomic"].includes(mapType as string)) out.push(fieldError.notSupported(`${path}.x-kubernetes-map-type`, mapType, ["granular", "atomic"]));
}

function checkChildren(node: Node, path: string, out: FieldCause[], inJunctor: boolean): void {
  if (isNode(node.properties)) {
    for (const [k, v] of Object.entries(node.properties)) {
      if (isNode(v)) checkNode(v, `${path}.properties[${k}]`, out, inJunctor);
      else out.push(fieldError.typeInvalid(`${path}.properties[${k}]`, v, "must be a schema object"));
    }
  }
  if (isNode(node.items)) checkNode(node.items, `${path}.items`, out, inJunctor);
  else if (node.items !== undefined) out.push(fieldError.forbidden(`${path}.items`, "items must be a schema object and not an array"));
  if (isNode(node.additionalProperties)) checkNode(node.additionalProperties, `${path}.additionalProperties`, out, inJunctor);
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  for (const j of JUNCTORS) {
    const alts = node[j];
    if (alts === undefined) continue;
    if (!Array.isArray(alts)) {
      out.push(fieldError.typeInvalid(`${path}.${j}`, alts, "must be a list of schemas"));
      continue;
    }
    // int-or-string may spell its two types out as anyOf [{type: integer}, {type: string}].
    alts.forEach((a, i) => isNode(a) && checkNode(intOrString ? withoutType(a) : a, `${path}.${j}[${i}]`, out, true));
  }
  if (isNode(node.not)) checkNode(node.not, `${path}.not`, out, true);
}

function withoutType(node: Node): Node {
  const { type: _t, ...rest } = node;
  return rest;
}
