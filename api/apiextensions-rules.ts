// CustomResourceDefinition defaults and validation (apiextensions' SetDefaults_* and
// ValidateCustomResourceDefinition): names, group, scope, versions with exactly one storage
// version, subresources, printer columns and each version's structural schema.
import type { CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionVersion } from "./apiextensions";
import { validateStructuralSchema } from "./apiextensions-schema";
import type { FieldCause } from "./resource";
import { fieldError, isDNS1035Label, isDNS1123Subdomain } from "./validation";

export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const names = crd.spec.names;
  if (names.kind) {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  crd.spec.conversion ??= { strategy: "None" };
  crd.spec.conversion.strategy ??= "None";
  for (const v of crd.spec.versions) {
    for (const c of v.additionalPrinterColumns ?? []) c.priority ??= 0;
  }
}

export function validateCustomResourceDefinition(crd: CustomResourceDefinition): FieldCause[] {
  const { spec } = crd;
  const out: FieldCause[] = [];
  const expectedName = `${spec.names.plural}.${spec.group}`;
  if (crd.metadata.name !== expectedName) out.push(fieldError.invalid("metadata.name", crd.metadata.name, `must be spec.names.plural+"."+spec.group`));
  if (!spec.group) out.push(fieldError.required("spec.group"));
  else {
    for (const e of isDNS1123Subdomain(spec.group)) out.push(fieldError.invalid("spec.group", spec.group, e));
    if (!spec.group.includes(".")) out.push(fieldError.invalid("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (spec.scope !== "Cluster" && spec.scope !== "Namespaced") out.push(fieldError.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  out.push(...validateNames(crd));
  out.push(...validateVersions(crd));
  if (spec.preserveUnknownFields) out.push(fieldError.invalid("spec.preserveUnknownFields", true, "must be false in order to use defaults in the schema; use x-kubernetes-preserve-unknown-fields: true in spec.versions[*].schema.openAPIV3Schema instead"));
  const strategy = spec.conversion?.strategy ?? "None";
  if (strategy !== "None" && strategy !== "Webhook") out.push(fieldError.notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  if (strategy === "Webhook" && !spec.conversion?.webhook) out.push(fieldError.required("spec.conversion.webhook", "required when strategy is set to Webhook"));
  return out;
}

function validateNames(crd: CustomResourceDefinition): FieldCause[] {
  const n = crd.spec.names;
  const out: FieldCause[] = [];
  const label = (field: string, value: string | undefined, required: boolean) => {
    if (!value) return void (required && out.push(fieldError.required(field)));
    for (const e of isDNS1035Label(value)) out.push(fieldError.invalid(field, value, e));
  };
  label("spec.names.plural", n.plural, true);
  label("spec.names.singular", n.singular, false);
  (n.shortNames ?? []).forEach((s, i) => label(`spec.names.shortNames[${i}]`, s, true));
  (n.categories ?? []).forEach((s, i) => label(`spec.names.categories[${i}]`, s, true));
  const kindRe = /^[A-Za-z][A-Za-z0-9]*$/;
  if (!n.kind) out.push(fieldError.required("spec.names.kind"));
  else if (!kindRe.test(n.kind)) out.push(fieldError.invalid("spec.names.kind", n.kind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
  if (n.listKind !== undefined && !kindRe.test(n.listKind)) out.push(fieldError.invalid("spec.names.listKind", n.listKind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
  if (n.kind && n.kind === n.listKind) out.push(fieldError.invalid("spec.names.listKind", n.listKind, "kind and listKind may not be the same"));
  return out;
}

function validateVersions(crd: CustomResourceDefinition): FieldCause[] {
  const out: FieldCause[] = [];
  const versions = crd.spec.versions;
  if (versions.length === 0) return [fieldError.invalid("spec.versions", versions, "must have exactly one version marked as storage version")];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name) out.push(fieldError.required(`${p}.name`));
    else for (const e of isDNS1035Label(v.name)) out.push(fieldError.invalid(`${p}.name`, v.name, e));
    if (seen.has(v.name)) out.push(fieldError.duplicate(`${p}.name`, v.name));
    seen.add(v.name);
    out.push(...validateVersion(v, p));
  });
  if (versions.filter((v) => v.storage).length !== 1) out.push(fieldError.invalid("spec.versions", versions.map((v) => v.name), "must have exactly one version marked as storage version"));
  if (!versions.some((v) => v.served)) out.push(fieldError.invalid("spec.versions", versions.map((v) => v.name), "must have at least one version marked as served"));
  (crd.status?.storedVersions ?? []).forEach((sv, i) => {
    if (!seen.has(sv)) out.push(fieldError.invalid(`status.storedVersions[${i}]`, sv, "must appear in spec.versions"));
  });
  return out;
}

function validateVersion(v: CustomResourceDefinitionVersion, p: string): FieldCause[] {
  const out: FieldCause[] = [];
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) out.push(fieldError.required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
  else out.push(...validateStructuralSchema(schema, `${p}.schema.openAPIV3Schema`));
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${p}.subresources.scale`;
    if (!isSimplePath(scale.specReplicasPath) || !scale.specReplicasPath.startsWith(".spec.")) out.push(fieldError.invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
    if (!isSimplePath(scale.statusReplicasPath) || !scale.statusReplicasPath.startsWith(".status.")) out.push(fieldError.invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
    const lp = scale.labelSelectorPath;
    if (lp !== undefined && (!isSimplePath(lp) || !(lp.startsWith(".spec.") || lp.startsWith(".status.")))) out.push(fieldError.invalid(`${sp}.labelSelectorPath`, lp, "should be a json path under either .spec or .status"));
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => out.push(...validateColumn(c, `${p}.additionalPrinterColumns[${i}]`)));
  return out;
}

const COLUMN_TYPES = ["integer", "number", "string", "boolean", "date"];

function validateColumn(c: CustomResourceColumnDefinition, p: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (!c.name) out.push(fieldError.required(`${p}.name`));
  if (!COLUMN_TYPES.includes(c.type)) out.push(fieldError.notSupported(`${p}.type`, c.type, COLUMN_TYPES));
  if (!c.jsonPath) out.push(fieldError.required(`${p}.jsonPath`));
  else if (!/^\.?[A-Za-z0-9_$@\-\[\]().'"?=!<>* ]+$/.test(c.jsonPath)) out.push(fieldError.invalid(`${p}.jsonPath`, c.jsonPath, "must be a simple json path"));
  if ((c.priority ?? 0) < 0) out.push(fieldError.invalid(`${p}.priority`, c.priority, "must be greater than or equal to 0"));
  return out;
}

/** ".spec.replicas": dots and field names, no array notation. */
function isSimplePath(p: string): boolean {
  return /^(\.[A-Za-z0-9_\-$]+)+$/.test(p);
}

/** Update rules: scope and group are immutable. */
export function validateCustomResourceDefinitionUpdate(next: CustomResourceDefinition, old: CustomResourceDefinition): FieldCause[] {
  const out: FieldCause[] = [];
  if (next.spec.scope !== old.spec.scope) out.push(fieldError.immutable("spec.scope", next.spec.scope));
  if (next.spec.group !== old.spec.group) out.push(fieldError.immutable("spec.group", next.spec.group));
  return out;
}
