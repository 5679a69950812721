// Server-side apply (PATCH with application/apply-patch+yaml), as Kubernetes does it with
// structured-merge-diff: the applied configuration is merged into the live object, its fields
// become owned by the applier (an Apply entry in metadata.managedFields), fields the applier
// applied before and no longer does are removed unless someone else owns them, and changing a
// value that another manager owns is a conflict unless the apply is forced.
import { deepClone, deepEqual, isObject, type JsonObject } from "./json";
import {
  FieldSet,
  isAtomicMap,
  keyElement,
  locate,
  pathString,
  removePath,
  valueElement,
  type FieldPath,
} from "./fieldpath";
import { decodeManagedFields, encodeManagedFields, fieldSetOf, managerKey, pruneMissing, type Manager } from "./managed-fields";
import { itemsSchema, listTypeOf, propertySchema, type Schema } from "./schema";
import { checkPatchShape } from "./errors";
import { ownValue, setOwn } from "./safe-keys";

/** A field the applier wanted to change that another manager owns. */
export interface ApplyConflict {
  /** The other manager's name, e.g. "kubectl-client-side-apply". */
  manager: string;
  operation: "Apply" | "Update";
  /** Set only when the other manager wrote with an Update (Kubernetes prints "using <apiVersion>"). */
  apiVersion?: string;
  subresource?: string;
  /** The field as Kubernetes prints it: ".spec.replicas". */
  field: string;
}

export interface ServerSideApplyInput<T extends object = JsonObject> {
  /** The live object; undefined when the apply creates it. */
  live: T | undefined;
  /** The user's (partial) configuration: apiVersion, kind, metadata.name and the fields they manage. */
  applied: T;
  manager: string;
  force: boolean;
  /** Dereferenced JSON schema of the whole object (ResourceType.jsonSchema). */
  schema: Schema;
  /** RFC 3339 time recorded in the manager's entry. */
  now: string;
}

export interface ServerSideApplyResult<T extends object = JsonObject> {
  /** The merged object with metadata.managedFields updated (the live object when there are conflicts). */
  object: T;
  conflicts: ApplyConflict[];
}

/** The manager Kubernetes invents for fields of objects that had no managedFields yet. */
export const BEFORE_FIRST_APPLY = "before-first-apply";

export function serverSideApply<T extends object = JsonObject>(input: ServerSideApplyInput<T>): ServerSideApplyResult<T> {
  const { manager, force, schema, now } = input;
  const live: JsonObject | undefined = isObject(input.live) ? deepClone(input.live) : undefined;
  checkPatchShape(input.applied);
  const applied: JsonObject = isObject(input.applied) ? deepClone(input.applied) : {};
  if (isObject(applied.metadata)) delete applied.metadata.managedFields;
  const apiVersion = typeof applied.apiVersion === "string" ? applied.apiVersion : String(live?.apiVersion ?? "");

  const managers = live ? decodeManagedFields(live.metadata && (live.metadata as JsonObject).managedFields, true) : [];
  if (live && managers.length === 0) {
    managers.push({ manager: BEFORE_FIRST_APPLY, operation: "Update", apiVersion: String(live.apiVersion ?? apiVersion), fields: fieldSetOf(live, schema) });
  }
  const id = { manager, operation: "Apply" as const, apiVersion, subresource: undefined };
  const previous = managers.find((m) => managerKey(m) === managerKey(id));
  const others = managers.filter((m) => m !== previous);

  const appliedFields = fieldSetOf(applied, schema);
  const merged = mergeApplied(live ?? {}, applied, schema) as JsonObject;

  const conflicts: ApplyConflict[] = [];
  for (const other of others) {
    const contested = appliedFields.intersection(other.fields).paths().filter((p) => !sameAt(live, merged, p, schema));
    if (contested.length === 0) continue;
    if (force) {
      other.fields = other.fields.difference(new FieldSet(contested));
      continue;
    }
    for (const p of contested) {
      conflicts.push({
        manager: other.manager,
        operation: other.operation,
        ...(other.operation === "Update" ? { apiVersion: other.apiVersion } : {}),
        ...(other.subresource ? { subresource: other.subresource } : {}),
        field: pathString(p),
      });
    }
  }
  if (conflicts.length > 0) return { object: (live ?? {}) as T, conflicts };

  // Fields this manager applied before and no longer does go, unless someone (the applier too)
  // still owns them or anything inside them: a map owned as a whole (".") from an earlier Update
  // stays while the applier still applies one of its keys.
  if (previous) {
    const owned = ownedWithAncestors([appliedFields, ...others.map((m) => m.fields)]);
    const dropped = previous.fields.paths().filter((p) => !owned(p));
    dropped.sort((a, b) => a.length - b.length);
    for (const p of dropped) removePath(merged, p, schema, owned);
  }

  const entry: Manager = { ...id, time: now, fields: appliedFields };
  const all = [...others, entry];
  pruneMissing(all, merged, schema);
  const metadata = isObject(merged.metadata) ? merged.metadata : {};
  merged.metadata = { ...metadata, managedFields: encodeManagedFields(all) };
  return { object: merged as T, conflicts: [] };
}

/** Is `p` owned, or an ancestor of an owned path, in any of the sets? */
function ownedWithAncestors(sets: readonly FieldSet[]): (p: FieldPath) => boolean {
  const prefixes = new Set<string>();
  for (const set of sets) {
    for (const p of set.paths()) for (let i = 1; i <= p.length; i++) prefixes.add(JSON.stringify(p.slice(0, i)));
  }
  return (p) => prefixes.has(JSON.stringify(p));
}

/** Does the field at `p` hold the same thing before and after the merge? */
function sameAt(live: unknown, merged: unknown, p: FieldPath, schema: Schema): boolean {
  const a = locate(live, p, schema);
  const b = locate(merged, p, schema);
  if (a === undefined || b === undefined) return a === b;
  // A list item or map owned as a whole ("."): only its existence counts here; its fields are
  // compared one by one as paths of their own.
  const granular = (v: unknown) => isObject(v) && Object.keys(v).length > 0 && !isAtomicMap(b.schema);
  if (granular(a.value) && granular(b.value)) return true;
  return deepEqual(a.value, b.value);
}

/** Merge the applied configuration into the live value (structured-merge-diff's merge). */
export function mergeApplied(live: unknown, applied: unknown, schema: Schema): unknown {
  if (applied === undefined) return deepClone(live);
  if (isObject(applied)) {
    if (isAtomicMap(schema)) return deepClone(applied);
    const out: JsonObject = isObject(live) ? deepClone(live) : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) {
        delete out[k];
        continue;
      }
      if (v === undefined) continue;
      setOwn(out, k, mergeApplied(ownValue(out, k), v, propertySchema(schema, k)));
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const lt = listTypeOf(schema);
    if (lt.type === "atomic") return deepClone(applied);
    const items = itemsSchema(schema);
    const keyOf = (e: unknown) => (lt.type === "map" ? keyElement(e, lt.keys, items) : valueElement(e));
    return mergeListItems(Array.isArray(live) ? live : [], applied, keyOf, (l, r) => (lt.type === "map" ? mergeApplied(l, r, items) : r));
  }
  return applied;
}

/**
 * Order of a merged associative list (as structured-merge-diff orders it): live items stay where
 * they are, applied items follow the applied order, new ones come after the applied item before them.
 */
function mergeListItems(lhs: unknown[], rhs: unknown[], keyOf: (e: unknown) => string, merge: (l: unknown, r: unknown) => unknown): unknown[] {
  const lKeys = lhs.map(keyOf);
  const rKeys = rhs.map(keyOf);
  const lByKey = new Map(lKeys.map((k, i) => [k, lhs[i]]));
  const rSet = new Set(rKeys);
  const shared = rKeys.filter((k) => lByKey.has(k));
  let nextShared = 0;
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < lKeys.length || r < rKeys.length) {
    if (l < lKeys.length && r < rKeys.length) {
      if (lKeys[l] === rKeys[r]) {
        out.push(merge(lhs[l], rhs[r]));
        l++;
        r++;
        nextShared++;
        continue;
      }
      if (rSet.has(lKeys[l]) && shared[nextShared] !== lKeys[l]) {
        l++;
        continue;
      }
    }
    if (l < lKeys.length && !rSet.has(lKeys[l])) {
      out.push(deepClone(lhs[l]));
      l++;
      continue;
    }
    if (r < rKeys.length) {
      const k = rKeys[r];
      out.push(lByKey.has(k) ? merge(lByKey.get(k), rhs[r]) : merge(undefined, rhs[r]));
      r++;
      if (shared[nextShared] === k) nextShared++;
      continue;
    }
    l++;
  }
  return out;
}

/** The message and causes of the 409 Conflict Status, worded as Kubernetes words them. */
export function describeConflicts(conflicts: readonly ApplyConflict[]): {
  message: string;
  causes: Array<{ reason: "FieldManagerConflict"; message: string; field: string }>;
} {
  const who = (c: ApplyConflict) => {
    let s = JSON.stringify(c.manager);
    if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
    if (c.operation === "Update" && c.apiVersion) s += ` using ${c.apiVersion}`;
    return s;
  };
  const causes = conflicts.map((c) => ({ reason: "FieldManagerConflict" as const, message: `conflict with ${who(c)}`, field: c.field }));
  if (conflicts.length === 1) {
    return { message: `Apply failed with 1 conflict: conflict with ${who(conflicts[0])}: ${conflicts[0].field}`, causes };
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(who(c), [...(byManager.get(who(c)) ?? []), c.field]);
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const f of byManager.get(m)!) lines.push(`- ${f}`);
  }
  return { message: `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`, causes };
}
