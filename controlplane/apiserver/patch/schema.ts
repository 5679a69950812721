// Walking a dereferenced JSON schema (ResourceType.jsonSchema) alongside an object, and reading
// the Kubernetes list extensions the patch engine cares about.
import { isObject, type JsonObject } from "./json";

export type Schema = JsonObject;

const EMPTY: Schema = {};

// Schemas are never changed once built (ResourceType.jsonSchema), so what is read from a schema
// node is remembered per node: the walks below run for every field of every write.
const unwrapped = new WeakMap<Schema, Schema>();
const properties = new WeakMap<Schema, Map<string, Schema>>();
const itemSchemas = new WeakMap<Schema, Schema>();
const listTypes = new WeakMap<Schema, { type: ListType; keys: string[] }>();
const patchMetas = new WeakMap<Schema, PatchMeta>();

/** The schema of property `key` of an object schema; {} when the schema knows nothing. */
export function propertySchema(schema: Schema | undefined, key: string): Schema {
  const s = unwrap(schema);
  let byKey = properties.get(s);
  if (!byKey) properties.set(s, (byKey = new Map()));
  let found = byKey.get(key);
  if (found === undefined) {
    const props = s.properties;
    if (isObject(props) && isObject(props[key])) found = unwrap(props[key]);
    else if (isObject(s.additionalProperties)) found = unwrap(s.additionalProperties);
    else found = EMPTY;
    byKey.set(key, found);
  }
  return found;
}

/** The schema of the elements of a list schema. */
export function itemsSchema(schema: Schema | undefined): Schema {
  const s = unwrap(schema);
  let found = itemSchemas.get(s);
  if (found === undefined) itemSchemas.set(s, (found = isObject(s.items) ? unwrap(s.items) : EMPTY));
  return found;
}

/** Schemas wrapped as `allOf: [X]` or `anyOf/oneOf` with one object branch are read as X. */
function unwrap(schema: unknown): Schema {
  if (!isObject(schema)) return EMPTY;
  let found = unwrapped.get(schema);
  if (found === undefined) unwrapped.set(schema, (found = unwrapOnce(schema)));
  return found;
}

function unwrapOnce(schema: JsonObject): Schema {
  for (const k of ["allOf", "anyOf", "oneOf"] as const) {
    const alts = schema[k];
    if (Array.isArray(alts) && !schema.properties && !schema.items) {
      const objs = alts.filter((a): a is JsonObject => isObject(a) && (a.properties !== undefined || a.items !== undefined || a.additionalProperties !== undefined));
      if (objs.length === 1) return { ...schema, ...objs[0] };
    }
  }
  return schema;
}

export interface PatchMeta {
  /** The patch strategies: "merge", "replace", "retainKeys". */
  strategies: string[];
  /** x-kubernetes-patch-merge-key. */
  mergeKey?: string;
}

export function patchMeta(schema: Schema | undefined): PatchMeta {
  const s = unwrap(schema);
  let found = patchMetas.get(s);
  if (found === undefined) patchMetas.set(s, (found = readPatchMeta(s)));
  return found;
}

function readPatchMeta(s: Schema): PatchMeta {
  const raw = s["x-kubernetes-patch-strategy"];
  const strategies = typeof raw === "string" ? raw.split(",").map((x) => x.trim()).filter(Boolean) : [];
  const key = s["x-kubernetes-patch-merge-key"];
  return { strategies, mergeKey: typeof key === "string" && key ? key : undefined };
}

export type ListType = "atomic" | "set" | "map";

/**
 * How server-side apply treats a list: Kubernetes' x-kubernetes-list-type / list-map-keys, or a
 * list with a patch merge key as a map keyed by it, a merge-strategy list of scalars as a set.
 */
export function listTypeOf(schema: Schema | undefined): { type: ListType; keys: string[] } {
  const s = unwrap(schema);
  let found = listTypes.get(s);
  if (found === undefined) listTypes.set(s, (found = readListType(s)));
  return found;
}

function readListType(s: Schema): { type: ListType; keys: string[] } {
  const declared = s["x-kubernetes-list-type"];
  const mapKeys = s["x-kubernetes-list-map-keys"];
  const meta = patchMeta(s);
  if (declared === "map" || (declared === undefined && meta.mergeKey)) {
    const keys = Array.isArray(mapKeys) && mapKeys.every((k) => typeof k === "string") ? (mapKeys as string[]) : meta.mergeKey ? [meta.mergeKey] : [];
    if (keys.length > 0) return { type: "map", keys };
  }
  if (declared === "set") return { type: "set", keys: [] };
  if (declared === undefined && meta.strategies.includes("merge")) {
    const items = itemsSchema(s);
    if (items.type !== "object" && !items.properties) return { type: "set", keys: [] };
  }
  return { type: "atomic", keys: [] };
}
