// zod schemas -> OpenAPI 3.0 schemas named like Kubernetes' (io.k8s.api.core.v1.Pod), both with
// $refs into components.schemas (for /openapi/v3) and dereferenced (ResourceType.jsonSchema).
import { z } from "zod";

export type JSONSchema = Record<string, unknown>;

const COMPONENTS = "#/components/schemas/";
const SAFE_INT = 9007199254740991;

/** Walk a JSON value, rewriting every object (children first). */
function mapObjects(value: unknown, fn: (o: JSONSchema) => JSONSchema): unknown {
  if (Array.isArray(value)) return value.map((v) => mapObjects(v, fn));
  if (value && typeof value === "object") {
    const out: JSONSchema = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapObjects(v, fn);
    return fn(out);
  }
  return value;
}

/** Tidy one schema node: Kubernetes-looking integers, int-or-string and quantities. */
function tidy(node: JSONSchema): JSONSchema {
  const out = { ...node };
  if (out.type === "integer" && out.minimum === -SAFE_INT && out.maximum === SAFE_INT) {
    delete out.minimum;
    delete out.maximum;
  }
  if (typeof out.$ref === "string") out.$ref = (out.$ref as string).replace(/^#\/definitions\//, COMPONENTS);
  const kind = out["x-kubelab-kind"];
  delete out["x-kubelab-kind"];
  if (kind === "int-or-string") {
    delete out.anyOf;
    out["x-kubernetes-int-or-string"] = true;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  } else if (kind === "quantity") {
    delete out.anyOf;
    out.oneOf = [{ type: "string" }, { type: "number" }];
  }
  return out;
}

export interface NamedSchemas {
  /** The root schema, with $refs "#/components/schemas/<id>" to named parts. */
  root: JSONSchema;
  /** The named parts, by id ("io.k8s.api.core.v1.Container"). */
  components: Record<string, JSONSchema>;
}

/** Convert a zod schema; parts with a meta id become components. */
export function toNamedSchemas(schema: z.ZodType): NamedSchemas {
  const raw = z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any", io: "input" }) as JSONSchema;
  const { definitions, ...root } = raw as JSONSchema & { definitions?: Record<string, JSONSchema> };
  const components: Record<string, JSONSchema> = {};
  for (const [name, def] of Object.entries(definitions ?? {})) components[name] = mapObjects(def, tidy) as JSONSchema;
  return { root: mapObjects(root, tidy) as JSONSchema, components };
}

/** Replace every $ref (also `allOf: [{$ref}]` with a description beside it) by the schema itself. */
export function dereference(schema: JSONSchema, components: Record<string, JSONSchema>, seen: string[] = []): JSONSchema {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== "object") return value;
    const node = value as JSONSchema;
    const ref = refOf(node);
    if (ref) {
      const name = ref.slice(COMPONENTS.length);
      const target = components[name];
      if (!target || seen.includes(name)) return { type: "object", description: node.description };
      const { $ref: _r, allOf: _a, ...rest } = node;
      return { ...dereference(target, components, [...seen, name]), ...rest };
    }
    const out: JSONSchema = {};
    for (const [k, v] of Object.entries(node)) out[k] = resolve(v);
    return out;
  };
  return resolve(schema) as JSONSchema;
}

function refOf(node: JSONSchema): string | undefined {
  if (typeof node.$ref === "string") return node.$ref;
  const allOf = node.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as JSONSchema).$ref === "string") {
    return (allOf[0] as JSONSchema).$ref as string;
  }
  return undefined;
}
