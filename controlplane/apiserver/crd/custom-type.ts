// One served version of a CRD as a ResourceType, so the generic registry, watch, patch and
// server-side apply serve custom resources as they serve built-in kinds. Writes go through
// prune (unknown fields per fieldValidation) -> defaults -> metadata checks -> the version's
// schema (ajv), and are stored in the storage version (conversion strategy None: only apiVersion
// changes). customInfo(rt) tells the other crd/ modules what CRD a type came from.
import { z } from "zod";
import { storageVersionOf, type CustomResourceDefinition, type CustomResourceDefinitionVersion } from "../../../api/apiextensions";
import { apiVersionOf, defineResource, deepEqual, specChanged } from "../../../api/define";
import { configmaps } from "../../../api/index";
import { ObjectMeta } from "../../../api/meta";
import type { FieldCause, FieldValidation, KObject, ResourceType, Subresource, ValidateResult } from "../../../api/resource";
import { fieldError } from "../../../api/validation";
import { findValues } from "./jsonpath";
import { applyDefaults, prune } from "./prune";
import { validateAgainst } from "./schema";

type Node = Record<string, unknown>;

export interface CustomInfo {
  crd: CustomResourceDefinition;
  version: CustomResourceDefinitionVersion;
  /** apiVersion custom resources are stored with ("example.com/v1"). */
  storageApiVersion: string;
  /** The CRD as it is now (its deletion may have begun since this type was made). */
  current(): CustomResourceDefinition | undefined;
}

const infos = new WeakMap<ResourceType, CustomInfo>();

/** What CRD (and version of it) a served type comes from; undefined for built-in kinds. */
export function customInfo(rt: ResourceType): CustomInfo | undefined {
  return infos.get(rt);
}

// The envelope every custom resource has: its metadata is decoded (unknown metadata fields
// refused per fieldValidation) and checked like any object's; the rest is the schema's business.
const Envelope = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: ObjectMeta.optional() });

/** The metadata schema (dereferenced ObjectMeta) every kind shares, for patches and SSA. */
const metadataSchema = () => (configmaps.jsonSchema.properties as Node).metadata as Node;

export function customTypeFor(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion, current: () => CustomResourceDefinition | undefined): ResourceType {
  const { group, names } = crd.spec;
  const storage = storageVersionOf(crd)!;
  const subresources: Subresource[] = [];
  if (version.subresources?.status) subresources.push("status");
  if (version.subresources?.scale) subresources.push("scale");
  const schema = (version.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true }) as Node;
  const base = defineResource<KObject>({
    group,
    version: version.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular,
    namespaced: crd.spec.scope === "Namespaced",
    shortNames: names.shortNames,
    categories: names.categories,
    subresources,
    schema: Envelope,
  });
  const storageApiVersion = apiVersionOf(group, storage.name);
  const hasStatus = subresources.includes("status");
  let jsonSchema: Node | undefined;
  const rt: ResourceType = {
    ...plainFields(base),
    get jsonSchema() {
      return (jsonSchema ??= withEnvelope(schema, { group, version: version.name, kind: names.kind }));
    },
    validate: (obj, fv) => withDeprecation(version, `${apiVersionOf(group, version.name)} ${names.kind}`, validateCustom(base, schema, storageApiVersion, obj, fv)),
    validateUpdate: (next, old) => base.validateUpdate(next, old),
    // With a status subresource only spec (everything but metadata and status) bumps generation;
    // without one, status is part of the object like any field.
    specChanged: hasStatus ? specChanged : (next, old) => !deepEqual({ ...next, metadata: undefined }, { ...old, metadata: undefined }),
  };
  if (version.selectableFields?.length) rt.fieldSelectors = selectableFields(version.selectableFields);
  infos.set(rt, { crd, version, storageApiVersion, current });
  return rt;
}

/** The version's selectableFields as field selectors (".spec.color" selects as "spec.color"). */
function selectableFields(fields: { jsonPath: string }[]): Record<string, (obj: KObject) => string | undefined> {
  return Object.fromEntries(fields.map(({ jsonPath }) => [jsonPath.replace(/^\./, ""), (obj: KObject) => {
    const v = findValues(obj, jsonPath)[0];
    return v === undefined || v === null ? undefined : String(v);
  }]));
}

/** A deprecated version's writes carry its warning (Kubernetes' default wording without one). */
function withDeprecation(version: CustomResourceDefinitionVersion, what: string, res: ValidateResult): ValidateResult {
  if (!version.deprecated) return res;
  return { ...res, warnings: [version.deprecationWarning ?? `${what} is deprecated`, ...res.warnings] };
}

/** A ResourceType's plain (non-getter) fields. */
function plainFields(rt: ResourceType): Omit<ResourceType, "jsonSchema" | "validate" | "validateUpdate"> {
  const { group, version, kind, listKind, plural, singular, namespaced, shortNames, categories, verbs, subresources, schema } = rt;
  return { group, version, kind, listKind, plural, singular, namespaced, shortNames, categories, verbs, subresources, schema };
}

/** The version's schema with apiVersion, kind and the shared metadata schema, and its GVK. */
function withEnvelope(schema: Node, gvk: { group: string; version: string; kind: string }): Node {
  const props = (schema.properties as Node | undefined) ?? {};
  return {
    ...schema,
    type: "object",
    properties: { ...props, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: metadataSchema() },
    "x-kubernetes-group-version-kind": [gvk],
  };
}

function validateCustom(base: ResourceType, schema: Node, storageApiVersion: string, obj: unknown, fv: FieldValidation): ValidateResult {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return { errors: [fieldError.typeInvalid("", obj, "expected an object")], warnings: [] };
  const body = structuredClone(obj) as Node;
  // A status or scale write starts from the stored object, which is in the storage version (or
  // the one that was the storage version when it was written).
  if (typeof body.apiVersion === "string" && body.apiVersion.startsWith(`${base.group}/`) && body.kind === base.kind) body.apiVersion = apiVersionOf(base.group, base.version);
  const unknown = prune(body, schema);
  if (unknown.length && fv === "Strict") return { errors: unknown.map((f) => fieldError.unknown(f)), warnings: [] };
  const warnings = fv === "Warn" ? unknown.map((f) => `unknown field ${JSON.stringify(f)}`) : [];
  applyDefaults(body, schema);
  const head = base.validate(body, fv);
  if (head.errors.length || !head.object) return { errors: head.errors, warnings: [...warnings, ...head.warnings] };
  const valid = head.object;
  const errors: FieldCause[] = validateAgainst(schema, valid);
  if (errors.length) return { errors, warnings: [...warnings, ...head.warnings] };
  valid.apiVersion = storageApiVersion;
  return { object: valid, errors: [], warnings: [...warnings, ...head.warnings] };
}
