// What label and field selectors read of a cached object, taken from its JSON text once and kept
// beside it (the labels and the type's selectable fields, not the parsed object), and the match of
// a list's selectors against it.
import type { KObject, ResourceType } from "../../../api/resource";
import { fieldValue } from "../keys";
import { matchesFields, matchesLabels, type FieldRequirement, type LabelSelector } from "../selectors";
import { cachedText, type CachedObject, type Selectable } from "./cache";

export interface Selectors {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
}

export function selecting(q: Selectors): boolean {
  return Boolean(q.labelSelector?.length || q.fieldSelector?.length);
}

/** The labels and selectable fields of an object given as JSON text. */
export function selectableOf(rt: ResourceType, json: string): Selectable {
  return selectableOfObject(rt, JSON.parse(json) as KObject);
}

export function selectableOfObject(rt: ResourceType, obj: KObject): Selectable {
  const fields: Record<string, string | undefined> = {
    "metadata.name": obj.metadata.name,
    "metadata.namespace": obj.metadata.namespace,
  };
  for (const f of Object.keys(rt.fieldSelectors ?? {})) fields[f] = fieldValue(rt, obj, f);
  return { labels: obj.metadata.labels ?? {}, fields };
}

/** Does the cached object match the selectors? (Computes and keeps what they read the first time.) */
export function matchesCached(rt: ResourceType, obj: CachedObject, q: Selectors): boolean {
  const s = (obj.selectable ??= selectableOf(rt, cachedText(obj)));
  if (q.labelSelector?.length && !matchesLabels(q.labelSelector, s.labels)) return false;
  if (q.fieldSelector?.length && !matchesFields(q.fieldSelector, (f) => s.fields[f])) return false;
  return true;
}
