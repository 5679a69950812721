// metadata.managedFields: which field manager owns which fields, as Kubernetes records it
// (operation Apply for server-side apply, Update for create/update/patch), and the ownership
// bookkeeping of non-apply writes.
import { findByKind } from "../../../api/index";
import { deepEqual, isObject, type JsonObject } from "./json";
import {
  fieldElement,
  FieldNode,
  FieldSet,
  fieldSetFromFieldsV1,
  existingPaths,
  fieldSetToFieldsV1,
  isAtomicMap,
  keyElement,
  locate,
  valueElement,
  type FieldPath,
  type FieldsV1,
  type PathElement,
} from "./fieldpath";
import { itemsSchema, listTypeOf, propertySchema, type Schema } from "./schema";

export type ManagedFieldsOperation = "Apply" | "Update";

/** One metadata.managedFields entry, as Kubernetes serialises it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** An entry with its fields as a set, for computing. */
export interface Manager {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
  /**
   * The stored entry's own FieldsV1 tree and how many members it had. Bookkeeping only ever takes
   * fields away from a decoded manager (the writer's own entry is made anew when it gains some),
   * so a manager still that size owns exactly that tree, and it is written back as it was.
   */
  stored?: { fieldsV1: FieldsV1; size: number };
}

/** Metadata fields that no manager ever owns. */
const UNTRACKED_METADATA = new Set([
  "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
  "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
]);

/** Kubernetes names the manager of a request without ?fieldManager after its user agent. */
export function defaultManager(userAgent: string | undefined): string {
  const name = (userAgent ?? "").split("/")[0].trim();
  return name ? name.slice(0, 128) : "unknown";
}

/** Identity of an entry: Apply entries by manager (and subresource), Update ones also by apiVersion. */
export function managerKey(m: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  return JSON.stringify([m.manager, m.operation, m.operation === "Apply" ? "" : m.apiVersion, m.subresource ?? ""]);
}

/**
 * Entries as sets. `stored`: the entries are a stored object's, which this server encoded, so
 * their trees are in Kubernetes' form and may be written back unchanged (a client's are not).
 */
export function decodeManagedFields(entries: unknown, stored = false): Manager[] {
  if (!Array.isArray(entries)) return [];
  const out: Manager[] = [];
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== "string") continue;
    const fields = fieldSetFromFieldsV1(e.fieldsV1);
    out.push({
      manager: e.manager,
      operation: e.operation === "Apply" ? "Apply" : "Update",
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      time: typeof e.time === "string" ? e.time : undefined,
      subresource: typeof e.subresource === "string" && e.subresource ? e.subresource : undefined,
      fields,
      ...(stored && isObject(e.fieldsV1) ? { stored: { fieldsV1: e.fieldsV1 as FieldsV1, size: fields.size } } : {}),
    });
  }
  return out;
}

/** Serialise, dropping managers that own nothing, in Kubernetes' order (Apply first, then by time). */
export function encodeManagedFields(managers: readonly Manager[]): ManagedFieldsEntry[] {
  const kept = managers.filter((m) => !m.fields.isEmpty());
  kept.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) / 1000 : 0;
    const qt = q.time ? Date.parse(q.time) / 1000 : 0;
    if (Math.floor(pt) !== Math.floor(qt)) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? "") < (q.subresource ?? "") ? -1 : 1;
  });
  return kept.map((m) => entryOf(m, m.stored && m.stored.size === m.fields.size ? m.stored.fieldsV1 : fieldSetToFieldsV1(m.fields)));
}

function entryOf(m: Omit<Manager, "fields" | "stored">, fieldsV1: FieldsV1): ManagedFieldsEntry {
  return {
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: "FieldsV1" as const,
    fieldsV1,
    ...(m.subresource ? { subresource: m.subresource } : {}),
  };
}

/** Which top-level parts of an object a write through `subresource` may own. */
function tracked(key: string, subresource: string | undefined): boolean {
  if (key === "apiVersion" || key === "kind") return false;
  if (subresource === "status") return key === "status";
  return key !== "status";
}

/**
 * The fields an applied configuration specifies (structured-merge-diff's ToFieldSet): scalars,
 * atomic lists and maps, empty objects and nulls are members; items of map and set lists are
 * members, and so are their fields; structs and maps themselves are not.
 */
export function fieldSetOf(obj: unknown, schema: Schema, subresource?: string): FieldSet {
  const set = new FieldSet();
  forEachTopLevel(obj, schema, subresource, (value, s, path) => collect(value, s, path, set));
  return set;
}

function forEachTopLevel(obj: unknown, schema: Schema, subresource: string | undefined, fn: (value: unknown, s: Schema, path: PathElement[]) => void): void {
  if (!isObject(obj)) return;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || !tracked(k, subresource)) continue;
    const s = propertySchema(schema, k);
    if (k === "metadata" && isObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (mv === undefined || UNTRACKED_METADATA.has(mk)) continue;
        fn(mv, propertySchema(s, mk), [fieldElement("metadata"), fieldElement(mk)]);
      }
    } else fn(v, s, [fieldElement(k)]);
  }
}

function collect(value: unknown, schema: Schema, path: PathElement[], set: FieldSet): void {
  if (isObject(value)) {
    if (isAtomicMap(schema) || Object.keys(value).length === 0) return set.add(path);
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) collect(v, propertySchema(schema, k), [...path, fieldElement(k)], set);
    }
    return;
  }
  if (Array.isArray(value)) {
    const lt = listTypeOf(schema);
    if (lt.type === "atomic") return set.add(path);
    const items = itemsSchema(schema);
    for (const item of value) {
      const pe = lt.type === "map" ? keyElement(item, lt.keys, items) : valueElement(item);
      set.add([...path, pe]);
      if (lt.type === "map") collect(isObject(item) && Object.keys(item).length === 0 ? undefined : item, items, [...path, pe], set);
    }
    return;
  }
  if (value !== undefined) set.add(path);
}

/**
 * The fields a non-apply write set or changed (structured-merge-diff's Compare: added and
 * modified), including maps and list items it created.
 */
export function changedFields(before: unknown, after: unknown, schema: Schema, subresource?: string): FieldSet {
  const set = new FieldSet();
  forEachTopLevel(after, schema, subresource, (value, s, path) => {
    const old = locate(before, path, schema);
    diff(old === undefined ? undefined : { value: old.value }, value, s, path, set);
  });
  return set;
}

function diff(before: { value: unknown } | undefined, after: unknown, schema: Schema, path: PathElement[], set: FieldSet): void {
  const old = before?.value;
  if (isObject(after) && !isAtomicMap(schema) && Object.keys(after).length > 0) {
    const wasObject = isObject(old);
    if (!wasObject && !isStruct(schema)) set.add(path);
    for (const [k, v] of Object.entries(after)) {
      if (v === undefined) continue;
      const o = wasObject && (old as JsonObject)[k] !== undefined ? { value: (old as JsonObject)[k] } : undefined;
      diff(o, v, propertySchema(schema, k), [...path, fieldElement(k)], set);
    }
    return;
  }
  if (Array.isArray(after)) {
    const lt = listTypeOf(schema);
    if (lt.type !== "atomic") {
      const items = itemsSchema(schema);
      const oldList = Array.isArray(old) ? old : [];
      for (const item of after) {
        if (lt.type === "set") {
          if (!oldList.some((o) => deepEqual(o, item))) set.add([...path, valueElement(item)]);
          continue;
        }
        const pe = keyElement(item, lt.keys, items);
        const match = oldList.find((o) => keyElement(o, lt.keys, items) === pe);
        if (match === undefined) set.add([...path, pe]);
        if (isObject(item)) {
          for (const [k, v] of Object.entries(item)) {
            if (v === undefined) continue;
            const o = isObject(match) && match[k] !== undefined ? { value: match[k] } : undefined;
            diff(o, v, propertySchema(items, k), [...path, pe, fieldElement(k)], set);
          }
        }
      }
      return;
    }
  }
  if (before === undefined || !deepEqual(old, after)) set.add(path);
}

/**
 * changedFields(undefined, obj) as a tree, in one walk that allocates no paths: the fields a write
 * that creates `obj` sets (every one of them), as diff() finds them against nothing.
 */
function createdFields(obj: unknown, schema: Schema, subresource: string | undefined): FieldNode {
  const root = new FieldNode();
  if (!isObject(obj)) return root;
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined || !tracked(k, subresource)) continue;
    const s = propertySchema(schema, k);
    if (k === "metadata" && isObject(v)) {
      const meta = root.child(fieldElement("metadata"));
      for (const mk in v) {
        const mv = v[mk];
        if (mv === undefined || UNTRACKED_METADATA.has(mk)) continue;
        added(mv, propertySchema(s, mk), meta.child(fieldElement(mk)));
      }
    } else added(v, s, root.child(fieldElement(k)));
  }
  return root;
}

/** diff(undefined, value, schema) below `node`, the node of value's own path. */
function added(value: unknown, schema: Schema, node: FieldNode): void {
  if (isObject(value) && !isAtomicMap(schema)) {
    let empty = true;
    for (const k in value) {
      empty = false;
      const v = value[k];
      if (v !== undefined) added(v, propertySchema(schema, k), node.child(fieldElement(k)));
    }
    if (!empty) {
      if (!isStruct(schema)) node.member = true;
      return;
    }
  } else if (Array.isArray(value)) {
    const lt = listTypeOf(schema);
    if (lt.type !== "atomic") {
      const items = itemsSchema(schema);
      for (const item of value) {
        if (lt.type === "set") {
          node.child(valueElement(item)).member = true;
          continue;
        }
        const at = node.child(keyElement(item, lt.keys, items));
        at.member = true;
        if (isObject(item)) {
          for (const k in item) {
            const v = item[k];
            if (v !== undefined) added(v, propertySchema(items, k), at.child(fieldElement(k)));
          }
        }
      }
      return;
    }
  }
  node.member = true;
}

/** A schema of a struct (named properties) rather than a map (additionalProperties / unknown). */
function isStruct(schema: Schema): boolean {
  return isObject(schema.properties) && !isObject(schema.additionalProperties);
}

/**
 * Drop from every manager the paths that no longer exist in `obj`; paths in `present` (found by
 * walking `obj` itself) are known to exist and are not looked up again.
 */
export function pruneMissing(managers: Manager[], obj: unknown, schema: Schema, present?: FieldSet): void {
  const unknown = present ? managers.map((m) => m.fields.difference(present)) : managers.map((m) => m.fields);
  const found = existingPaths(obj, unknown, schema);
  for (const m of managers) m.fields = m.fields.filter((p: FieldPath) => found.has(p), present);
}

function schemaOf(obj: unknown): Schema {
  if (!isObject(obj) || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return {};
  return findByKind(obj.apiVersion, obj.kind)?.jsonSchema ?? {};
}

export interface UpdateManagedFieldsInput<T> {
  /** The object before the write; undefined on create. */
  before: T | undefined;
  /** The object as it will be stored. */
  after: T;
  manager: string;
  operation: "Update";
  apiVersion: string;
  /** RFC 3339 time of the write. */
  now: string;
  /** "status", "scale", ... when the write went through a subresource. */
  subresource?: string;
  /**
   * Schema of the whole object (ResourceType.jsonSchema). When absent it is looked up by the
   * object's apiVersion and kind; unknown kinds treat every list as atomic.
   */
  schema?: Schema;
}

/**
 * Record a non-apply write: `manager` now owns the fields it set or changed, other managers lose
 * those, removed fields leave every manager, managers left with nothing are dropped. Returns a
 * copy of `after` with metadata.managedFields replaced.
 */
export function updateManagedFields<T extends { metadata?: JsonObject }>(input: UpdateManagedFieldsInput<T>): T & { metadata: JsonObject & { managedFields: ManagedFieldsEntry[] } } {
  const { before, after, manager, apiVersion, now, subresource } = input;
  const schema = input.schema ?? schemaOf(after);
  const beforeManaged = before?.metadata?.managedFields;
  const sent = after.metadata?.managedFields;
  if (before === undefined && (!Array.isArray(sent) || sent.length === 0 || (sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0))) {
    // A create that brings no managers of its own: the writer owns everything it set, and there
    // is nobody to take fields from or to prune (the general path below gives the same entry).
    const tree = createdFields(after, schema, subresource);
    const fieldsV1 = tree.toFieldsV1();
    const entries = Object.keys(fieldsV1).length === 0 ? [] : [entryOf({ manager, operation: "Update", apiVersion, time: now, subresource }, fieldsV1)];
    return { ...after, metadata: { ...(after.metadata ?? {}), managedFields: entries } };
  }
  let managers: Manager[];
  if (Array.isArray(sent) && sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0) managers = [];
  else if (Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, beforeManaged)) managers = decodeManagedFields(sent);
  else managers = decodeManagedFields(beforeManaged, true);

  const changed = changedFields(before, after, schema, subresource);
  const id = { manager, operation: "Update" as const, apiVersion, subresource };
  let own = managers.find((m) => managerKey(m) === managerKey(id));
  for (const m of managers) if (m !== own) m.fields = m.fields.difference(changed);
  if (!changed.isEmpty()) {
    if (!own) managers.push((own = { ...id, fields: new FieldSet() }));
    own.fields = own.fields.union(changed);
    own.stored = undefined;
    own.time = now;
    own.apiVersion = apiVersion;
  }
  pruneMissing(managers, after, schema, changed);
  const metadata = { ...(after.metadata ?? {}), managedFields: encodeManagedFields(managers) };
  return { ...after, metadata };
}
