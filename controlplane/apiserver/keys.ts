// Where each object lives in the store, and how a resource's field selectors read an object.
import type { KObject, ResourceType } from "../../api/resource";

export function storagePrefix(rt: ResourceType, namespace?: string): string {
  const base = `/registry/${rt.group || "core"}/${rt.plural}/`;
  return rt.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function storageKey(rt: ResourceType, namespace: string | undefined, name: string): string {
  return storagePrefix(rt, rt.namespaced ? namespace : undefined) + name;
}

/** "group/version" as apiVersion writes it ("v1" for core). */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export function supportsField(rt: ResourceType, field: string): boolean {
  if (field === "metadata.name") return true;
  if (field === "metadata.namespace") return rt.namespaced;
  return Boolean(rt.fieldSelectors && field in rt.fieldSelectors);
}

export function fieldValue(rt: ResourceType, obj: KObject, field: string): string | undefined {
  if (field === "metadata.name") return obj.metadata.name;
  if (field === "metadata.namespace") return obj.metadata.namespace;
  return rt.fieldSelectors?.[field]?.(obj);
}
