// Pruning and defaulting of a custom resource along its structural schema, as apiextensions-
// apiserver does while decoding: fields the schema does not specify go (and are reported, so
// fieldValidation=Strict can refuse them) unless x-kubernetes-preserve-unknown-fields keeps
// them; nulls of fields that are not nullable go; then each absent field with a `default` gets
// it. apiVersion, kind and metadata of the object (and of embedded resources) are left alone:
// the metadata is checked as every object's is.
type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => Boolean(v) && typeof v === "object" && !Array.isArray(v);

const ENVELOPE = new Set(["apiVersion", "kind", "metadata"]);

/** Removes, in place, what the schema does not specify; returns the removed fields' paths. */
export function prune(obj: Node, schema: Node): string[] {
  const unknown: string[] = [];
  pruneObject(obj, schema, "", unknown, true);
  return unknown.sort();
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function pruneValue(value: unknown, schema: Node | undefined, path: string, unknown: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = isNode(schema.items) ? schema.items : undefined;
    value.forEach((v, i) => pruneValue(v, items, `${path}[${i}]`, unknown));
  } else if (isNode(value)) {
    pruneObject(value, schema, path, unknown, schema["x-kubernetes-embedded-resource"] === true);
  }
}

function pruneObject(obj: Node, schema: Node, path: string, unknown: string[], envelope: boolean): void {
  const props = isNode(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  for (const key of Object.keys(obj)) {
    if (envelope && ENVELOPE.has(key)) continue;
    const child = props?.[key];
    const childSchema = isNode(child) ? child : isNode(additional) ? additional : undefined;
    const value = obj[key];
    if (value === null && !(childSchema?.nullable === true) && (childSchema || !preserve)) {
      delete obj[key];
      continue;
    }
    if (childSchema) pruneValue(value, childSchema, join(path, key), unknown);
    else if (!preserve && additional !== true) {
      delete obj[key];
      unknown.push(join(path, key));
    }
  }
}

/** Applies the schema's defaults, in place, top-down (a defaulted value is defaulted further). */
export function applyDefaults(value: unknown, schema: Node | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = isNode(schema.items) ? schema.items : undefined;
    for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isNode(value)) return;
  const props = isNode(schema.properties) ? schema.properties : {};
  for (const [key, s] of Object.entries(props)) {
    if (!isNode(s)) continue;
    if (value[key] === undefined && s.default !== undefined) value[key] = structuredClone(s.default);
    if (value[key] !== undefined) applyDefaults(value[key], s);
  }
  if (isNode(schema.additionalProperties)) {
    for (const [key, v] of Object.entries(value)) if (!(key in props)) applyDefaults(v, schema.additionalProperties);
  }
}
