// Builds a ResourceType from a zod schema plus the kind's defaults and validation rules:
// decode (unknown fields per fieldValidation) -> defaults -> validation, as Kubernetes does.
import { z } from "zod";
import { dereference, toNamedSchemas, type JSONSchema, type NamedSchemas } from "./jsonschema";
import { escapeKey, restoreKeys, unescapeKey } from "./proto-keys";
import type { FieldCause, FieldValidation, KObject, ResourceType, Subresource, ValidateResult } from "./resource";
import {
  fieldError,
  formatPath,
  isDNS1123Label,
  isDNS1123Subdomain,
  validateAnnotations,
  validateLabels,
  validateNonnegative,
  type NameValidator,
  type PathPart,
} from "./validation";

export interface ResourceDefinition<T extends KObject> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: Subresource[];
  verbs?: string[];
  schema: z.ZodType;
  /** How metadata.name is checked; RFC 1123 subdomain unless said otherwise. */
  nameValidator?: NameValidator;
  /** Kubernetes' defaulting (SetDefaults_*), on a private copy of the parsed object. */
  defaults?(obj: T): void;
  /** Kind-specific validation (ValidatePod, ValidateDeployment...). */
  validateObject?(obj: T): FieldCause[];
  validateUpdate?(newObj: T, oldObj: T): FieldCause[];
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
}

const allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/**
 * A copy of the body for zod: Go's JSON decoding turns null into the zero value (for us, an absent
 * field), and "__proto__" keys travel escaped (./proto-keys); seen.protoKeys says whether any did.
 */
function prepare(value: unknown, seen: { protoKeys: boolean }): unknown {
  if (Array.isArray(value)) return value.map((v) => prepare(v, seen));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue;
      const key = escapeKey(k);
      if (key !== k) seen.protoKeys = true;
      out[key] = prepare(v, seen);
    }
    return out;
  }
  return value;
}

/** Whether prepare() would change anything: a null to drop or a "__proto__" key to escape. */
function needsPrepare(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === "object" && needsPrepare(v)) return true;
    return false;
  }
  if (value && typeof value === "object") {
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (v === null || escapeKey(k) !== k) return true;
      if (typeof v === "object" && needsPrepare(v)) return true;
    }
  }
  return false;
}

/** A path as the user wrote it (escaped "__proto__" keys back to their name). */
const userPath = (path: readonly PropertyKey[]): PathPart[] => path.map((p) => (typeof p === "string" ? unescapeKey(p) : (p as number)));

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p as string];
  }
  return cur;
}

function deleteAt(root: unknown, path: readonly PropertyKey[], key: string): void {
  const parent = valueAt(root, path);
  if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[key];
}

const jsonType = (v: unknown): string =>
  v === undefined ? "undefined" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;

type AnyDef = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType };

/**
 * A zod issue path in Kubernetes' form: map keys in brackets (resources.limits[cpu]), fields
 * after dots, list indexes in brackets.
 */
function fieldPathOf(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string {
  let out = "";
  let cur = schema;
  for (const part of path) {
    let def = cur?._zod.def as AnyDef | undefined;
    while (def && (def.type === "optional" || def.type === "nullable" || def.type === "default" || def.type === "pipe")) {
      cur = def.innerType ?? def.in;
      def = cur?._zod.def as AnyDef | undefined;
    }
    if (typeof part === "number") {
      out += `[${part}]`;
      cur = def?.type === "array" ? def.element : undefined;
    } else if (def?.type === "record") {
      out += `[${String(part)}]`;
      cur = def.valueType;
    } else {
      out += out === "" ? String(part) : `.${String(part)}`;
      cur = def?.type === "object" ? def.shape?.[String(part)] : undefined;
    }
  }
  return out;
}

/** One zod issue as a Kubernetes field error. */
function issueToCause(issue: z.core.$ZodIssue, input: unknown, schema?: z.ZodType): FieldCause {
  const field = schema ? fieldPathOf(schema, userPath(issue.path)) : formatPath(userPath(issue.path));
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return fieldError.required(field);
      return fieldError.typeInvalid(field, value, `expected ${issue.expected}, got ${jsonType(value)}`);
    case "invalid_union": {
      const inner = issue.errors.flat().find((i) => i.code === "custom");
      if (inner) return fieldError.invalid(field, value, inner.message);
      return fieldError.typeInvalid(field, value, `expected ${unionExpectation(issue)}, got ${jsonType(value)}`);
    }
    case "custom":
      return fieldError.invalid(field, value, issue.message);
    default:
      return fieldError.invalid(field, value, issue.message);
  }
}

function unionExpectation(issue: z.core.$ZodIssueInvalidUnion): string {
  const expected = issue.errors
    .flat()
    .filter((i): i is z.core.$ZodIssueInvalidType => i.code === "invalid_type")
    .map((i) => (i.expected === "int" ? "integer" : i.expected));
  return expected.length ? [...new Set(expected)].join(" or ") : "a valid value";
}

interface Decoded {
  value?: unknown;
  errors: FieldCause[];
  warnings: string[];
}

/**
 * Each schema's compiled twin (zod's z.compile): zod answers with a parser generated for that
 * schema (inline checks; an absent field costs a property read) and hands anything it does not
 * accept to its ordinary parser, so what is refused, and why, is the ordinary parser's answer.
 * The ordinary parser calls each field's parser and allocates for every field of the schema,
 * present or not, and a Pod's schema has hundreds.
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

function compiled(schema: z.ZodType): z.ZodType {
  let c = compiledSchemas.get(schema);
  if (!c) compiledSchemas.set(schema, (c = z.compile(schema)));
  return c;
}

/** Parse with the strict schema; unknown fields become errors, warnings or nothing. */
export function decode(schema: z.ZodType, body: unknown, fieldValidation: FieldValidation): Decoded {
  const parser = compiled(schema);
  const seen = { protoKeys: false };
  // zod's output is a new object either way (only z.unknown() values are the body's own), so
  // the body is copied only when prepare() has something to change, or unknown fields must be
  // deleted before parsing again.
  let input = needsPrepare(body) ? prepare(body, seen) : body;
  let copied = input !== body;
  const unknown: string[] = [];
  for (let round = 0; round < 8; round++) {
    const result = parser.safeParse(input);
    if (result.success) return finishDecode(seen.protoKeys ? restoreKeys(result.data) : result.data, unknown, fieldValidation);
    const unrecognized = result.error.issues.filter((i) => i.code === "unrecognized_keys");
    if (unrecognized.length === 0) {
      if (unknown.length && fieldValidation === "Strict") return finishDecode(undefined, unknown, fieldValidation);
      return {
        errors: result.error.issues.map((i) => issueToCause(i, input, schema)),
        warnings: fieldValidation === "Warn" ? [...unknown].sort().map((f) => `unknown field ${JSON.stringify(f)}`) : [],
      };
    }
    if (!copied) {
      input = prepare(body, seen);
      copied = true;
    }
    for (const issue of unrecognized) {
      for (const key of issue.keys) {
        unknown.push(formatPath(userPath([...issue.path, key])));
        deleteAt(input, issue.path, key);
      }
    }
  }
  return { errors: [fieldError.invalid("", "", "too many unknown fields")], warnings: [] };
}

function finishDecode(value: unknown, unknownFields: string[], fieldValidation: FieldValidation): Decoded {
  const unknown = [...unknownFields].sort();
  if (unknown.length === 0) return { value, errors: [], warnings: [] };
  if (fieldValidation === "Strict") return { errors: unknown.map((f) => fieldError.unknown(f)), warnings: [] };
  if (fieldValidation === "Warn") return { value, errors: [], warnings: unknown.map((f) => `unknown field ${JSON.stringify(f)}`) };
  return { value, errors: [], warnings: [] };
}

/** ValidateObjectMeta: name, generateName, namespace, labels, annotations, ownerReferences. */
function validateObjectMeta(obj: KObject, namespaced: boolean, nameValidator: NameValidator): FieldCause[] {
  const meta = obj.metadata ?? {};
  const out: FieldCause[] = [];
  if (meta.generateName) {
    for (const e of nameValidator(meta.generateName.replace(/-$/, "") || "a")) {
      out.push(fieldError.invalid("metadata.generateName", meta.generateName, e));
    }
  }
  if (!meta.name) {
    if (!meta.generateName) out.push(fieldError.required("metadata.name", "name or generateName is required"));
  } else {
    for (const e of nameValidator(meta.name)) out.push(fieldError.invalid("metadata.name", meta.name, e));
  }
  if (namespaced) {
    if (meta.namespace) for (const e of isDNS1123Label(meta.namespace)) out.push(fieldError.invalid("metadata.namespace", meta.namespace, e));
  }
  out.push(...validateNonnegative(meta.generation, "metadata.generation"));
  out.push(...validateLabels(meta.labels, "metadata.labels"));
  out.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!ref.apiVersion) out.push(fieldError.invalid(`${p}.apiVersion`, ref.apiVersion, "version must not be empty"));
    if (!ref.kind) out.push(fieldError.invalid(`${p}.kind`, ref.kind, "kind must not be empty"));
    if (!ref.name) out.push(fieldError.invalid(`${p}.name`, ref.name, "name must not be empty"));
    if (!ref.uid) out.push(fieldError.invalid(`${p}.uid`, ref.uid, "uid must not be empty"));
  });
  if ((meta.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    out.push(fieldError.invalid("metadata.ownerReferences", meta.ownerReferences, "Only one reference can have Controller set to true"));
  }
  return out;
}

function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => isEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
export { isEqual as deepEqual };

/** Everything but apiVersion, kind, metadata and status: what bumps metadata.generation. */
export function specChanged(newObj: KObject, oldObj: KObject): boolean {
  const strip = (o: KObject) => {
    const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !isEqual(strip(newObj), strip(oldObj));
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export interface DefinedResource extends ResourceType {
  /** The schema as named OpenAPI parts, for the /openapi/v3 document. */
  openapi: NamedSchemas;
}

type GVK = { group: string; version: string; kind: string }[];

/** The kind's schema as named OpenAPI parts, marked with its group/version/kind. */
function namedSchemasOf(schema: z.ZodType, gvk: GVK): NamedSchemas {
  const named = toNamedSchemas(schema);
  const rootRef = typeof named.root.$ref === "string" ? named.root.$ref : "";
  const root = named.components[rootRef.replace("#/components/schemas/", "")];
  if (root) {
    root["x-kubernetes-group-version-kind"] = gvk;
    // The server fills in apiVersion and kind from the URL, as Kubernetes' schemas say.
    const required = (root.required as string[] | undefined)?.filter((f) => f !== "apiVersion" && f !== "kind");
    if (required?.length) root.required = required;
    else delete root.required;
  }
  return named;
}

/** Create validation: decode, defaults, then ValidateObjectMeta and the kind's own rules. */
function validateNew<T extends KObject>(def: ResourceDefinition<T>, obj: unknown, fieldValidation: FieldValidation): ValidateResult {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
    return { errors: [fieldError.typeInvalid("", obj, "expected an object")], warnings: [] };
  }
  const apiVersion = apiVersionOf(def.group, def.version);
  const body = { ...(obj as Record<string, unknown>) };
  body.apiVersion ??= apiVersion;
  body.kind ??= def.kind;
  const headErrors: FieldCause[] = [];
  if (body.apiVersion !== apiVersion) headErrors.push(fieldError.invalid("apiVersion", body.apiVersion, `must be ${JSON.stringify(apiVersion)}`));
  if (body.kind !== def.kind) headErrors.push(fieldError.invalid("kind", body.kind, `must be ${JSON.stringify(def.kind)}`));
  if (headErrors.length) return { errors: headErrors, warnings: [] };
  const decoded = decode(def.schema, body, fieldValidation);
  if (decoded.errors.length || decoded.value === undefined) return { errors: decoded.errors, warnings: decoded.warnings };
  const value = decoded.value as T;
  // Kubernetes' BeforeCreate/BeforeUpdate clear the namespace of cluster-scoped objects.
  if (!def.namespaced && value.metadata) delete value.metadata.namespace;
  def.defaults?.(value);
  const nameValidator = def.nameValidator ?? isDNS1123Subdomain;
  const errors = [...validateObjectMeta(value, def.namespaced, nameValidator), ...(def.validateObject?.(value) ?? [])];
  if (errors.length) return { errors, warnings: decoded.warnings };
  return { object: value, errors: [], warnings: decoded.warnings };
}

/** Update validation: namespace and name are immutable, then the kind's own update rules. */
function validateChange<T extends KObject>(def: ResourceDefinition<T>, newObj: KObject, oldObj: KObject): FieldCause[] {
  const out: FieldCause[] = [];
  if (def.namespaced && (newObj.metadata.namespace ?? "") !== (oldObj.metadata.namespace ?? "") && oldObj.metadata.namespace) {
    out.push(fieldError.immutable("metadata.namespace", newObj.metadata.namespace));
  }
  if (newObj.metadata.name && oldObj.metadata.name && newObj.metadata.name !== oldObj.metadata.name) {
    out.push(fieldError.immutable("metadata.name", newObj.metadata.name));
  }
  out.push(...(def.validateUpdate?.(newObj as T, oldObj as T) ?? []));
  return out;
}

export function defineResource<T extends KObject>(def: ResourceDefinition<T>): DefinedResource {
  const gvk: GVK = [{ group: def.group, version: def.version, kind: def.kind }];
  let named: NamedSchemas | undefined;
  let deref: JSONSchema | undefined;
  const openapi = (): NamedSchemas => (named ??= namedSchemasOf(def.schema, gvk));
  return {
    group: def.group,
    version: def.version,
    kind: def.kind,
    listKind: `${def.kind}List`,
    plural: def.plural,
    singular: def.singular ?? def.kind.toLowerCase(),
    namespaced: def.namespaced,
    shortNames: def.shortNames ?? [],
    categories: def.categories ?? [],
    verbs: def.verbs ?? allVerbs,
    subresources: def.subresources ?? [],
    schema: def.schema,
    get openapi() {
      return openapi();
    },
    get jsonSchema() {
      if (!deref) {
        const n = openapi();
        deref = dereference(n.root, n.components);
        deref["x-kubernetes-group-version-kind"] = gvk;
      }
      return deref;
    },
    validate: (obj: unknown, fieldValidation: FieldValidation) => validateNew(def, obj, fieldValidation),
    validateUpdate: (newObj: KObject, oldObj: KObject) => validateChange(def, newObj, oldObj),
    specChanged,
    fieldSelectors: def.fieldSelectors,
  };
}
