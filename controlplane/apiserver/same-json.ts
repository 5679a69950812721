// Equality as a JSON encoding sees it: object key order and undefined fields do not count,
// array order does. The registry uses it to skip writes that would change nothing.
import type { KObject } from "../../api/resource";

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameJson(v, (b as unknown[])[i]));
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);
  const ak = keys(ao);
  return ak.length === keys(bo).length && ak.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}

/** Would writing a over b change anything but managedFields? (key order and undefined fields do not count, as in a JSON encoding) */
export function sameObject(a: KObject, b: KObject): boolean {
  return sameJson({ ...a, metadata: { ...a.metadata, managedFields: undefined } }, { ...b, metadata: { ...b.metadata, managedFields: undefined } });
}
