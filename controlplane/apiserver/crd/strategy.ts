// The registry rules of CRDs and of custom resources (apiextensions' customresourcedefinition
// and customresource strategies). A CRD is created with its storage version in
// status.storedVersions (the CRD controller adds the conditions); a delete does not remove it but
// marks it Terminating with the cleanup finalizer, and the CRD controller removes the finalizer
// once its custom resources are gone. A custom resource cannot be created while its CRD is
// terminating.
import { CRD_CLEANUP_FINALIZER, storageVersionOf, type CustomResourceDefinition, type CustomResourceDefinitionCondition } from "../../../api/apiextensions";
import type { FieldCause, KObject, ResourceType } from "../../../api/resource";
import { fieldError } from "../../../api/validation";
import { rfc3339 } from "../../../api/time";
import { ApiError, invalid } from "../errors";
import { planFinalizedDelete, propagationFinalizers } from "../strategies/delete";
import { genericStrategy, type Strategy } from "../strategies/strategy";
import { customInfo } from "./custom-type";
import { prune } from "./prune";
import { validateAgainst } from "./schema";

type Crd = KObject & CustomResourceDefinition;

/** A condition list with `cond` in place of the one of its type (its transition time kept if unchanged). */
export function withCondition(conds: CustomResourceDefinitionCondition[] | undefined, cond: CustomResourceDefinitionCondition): CustomResourceDefinitionCondition[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === cond.type);
  const old = i >= 0 ? list[i] : undefined;
  const next = { ...cond, lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : rfc3339() };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function crdStrategy(rt: ResourceType): Strategy<Crd> {
  const generic = genericStrategy(rt) as unknown as Strategy<Crd>;
  return {
    ...generic,
    prepareForCreate(crd) {
      const storage = storageVersionOf(crd);
      crd.status = { storedVersions: storage ? [storage.name] : [] };
    },
    prepareForUpdate(next, old, subresource) {
      const out = generic.prepareForUpdate(next, old, subresource);
      const storage = storageVersionOf(out)?.name;
      const stored = out.status?.storedVersions ?? [];
      if (storage && !stored.includes(storage)) out.status = { ...(out.status ?? {}), storedVersions: [...stored, storage] };
      return out;
    },
    async admit(crd, old) {
      const causes = crd.spec.versions.flatMap((v, i) => defaultCauses(v.schema?.openAPIV3Schema, `spec.versions[${i}].schema.openAPIV3Schema`));
      if (causes.length) throw invalid(rt.kind, rt.group, crd.metadata.name ?? "", causes);
      await generic.admit(crd, old);
    },
    planDelete(crd, opts) {
      if (crd.metadata.deletionTimestamp) return planFinalizedDelete(structuredClone(crd), propagationFinalizers(crd, opts));
      const copy = structuredClone(crd);
      const finalizers = propagationFinalizers(crd, opts);
      if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) finalizers.push(CRD_CLEANUP_FINALIZER);
      copy.status = {
        ...(copy.status ?? {}),
        conditions: withCondition(copy.status?.conditions, { type: "Terminating", status: "True", reason: "InstanceDeletionPending", message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon" }),
      };
      return planFinalizedDelete(copy, finalizers);
    },
  };
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => Boolean(v) && typeof v === "object" && !Array.isArray(v);

/**
 * Every `default` of a schema must be valid under its own node and have nothing pruning would
 * drop (Kubernetes' validation of defaults), or every custom resource would be refused later.
 */
export function defaultCauses(node: unknown, path: string): FieldCause[] {
  if (!isNode(node)) return [];
  const out: FieldCause[] = [];
  if (node.default !== undefined) {
    const { default: value, ...rest } = node;
    for (const c of validateAgainst(rest, value)) out.push(fieldError.invalid(`${path}.default`, value, c.message.replace(/^Invalid value: [^:]*: /, "")));
    if (isNode(value)) {
      const unknown = prune(structuredClone(value), rest);
      if (unknown.length) out.push(fieldError.invalid(`${path}.default`, value, `must not have unknown fields: ${unknown.join(", ")}`));
    }
  }
  if (isNode(node.properties)) for (const [k, v] of Object.entries(node.properties)) out.push(...defaultCauses(v, `${path}.properties[${k}]`));
  if (isNode(node.items)) out.push(...defaultCauses(node.items, `${path}.items`));
  if (isNode(node.additionalProperties)) out.push(...defaultCauses(node.additionalProperties, `${path}.additionalProperties`));
  return out;
}

/** The strategy of a custom resource type; undefined for built-in kinds. */
export function customStrategy(rt: ResourceType): Strategy | undefined {
  const info = customInfo(rt);
  if (!info) return undefined;
  const generic = genericStrategy(rt);
  return {
    ...generic,
    async admit(obj, old) {
      if (!old && info.current()?.metadata.deletionTimestamp) {
        throw new ApiError(405, "MethodNotAllowed", `create not allowed while custom resource definition is terminating`);
      }
      await generic.admit(obj, old);
    },
  };
}
