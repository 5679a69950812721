// Field paths and field sets in Kubernetes' managedFields format (FieldsV1, as in
// sigs.k8s.io/structured-merge-diff): a path is a list of elements "f:<field>",
// "k:<json of the key fields>" (an item of a map-type list), "v:<json value>" (an item of a set),
// and a set of paths serialises as a tree of those elements where ".": {} marks a node that is
// itself a member.
import { deepEqual, isObject, type JsonObject } from "./json";
import { itemsSchema, listTypeOf, propertySchema, type Schema } from "./schema";

export type PathElement = string;
export type FieldPath = readonly PathElement[];
/** The FieldsV1 tree: path elements to subtrees; "." marks membership of the node itself. */
export type FieldsV1 = { [element: string]: FieldsV1 };

export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  add(path: FieldPath): void {
    if (path.length > 0) this.members.set(JSON.stringify(path), [...path]);
  }
  /** A set of paths whose keys (JSON.stringify(path)) the caller already has; the paths are kept as given. */
  static fromKeyed(entries: Iterable<[string, FieldPath]>): FieldSet {
    const set = new FieldSet();
    for (const [k, p] of entries) set.members.set(k, p);
    return set;
  }
  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }
  delete(path: FieldPath): void {
    this.members.delete(JSON.stringify(path));
  }
  get size(): number {
    return this.members.size;
  }
  isEmpty(): boolean {
    return this.members.size === 0;
  }
  paths(): FieldPath[] {
    return [...this.members.values()];
  }
  union(other: FieldSet): FieldSet {
    const out = this.copy((_k) => true);
    for (const [k, p] of other.members) out.members.set(k, p);
    return out;
  }
  difference(other: FieldSet): FieldSet {
    return this.copy((k) => !other.members.has(k));
  }
  intersection(other: FieldSet): FieldSet {
    return this.copy((k) => other.members.has(k));
  }
  /** The members `keep` accepts; members of `known` are kept without asking. */
  filter(keep: (p: FieldPath) => boolean, known?: FieldSet): FieldSet {
    return this.copy((k, p) => known?.members.has(k) || keep(p));
  }
  /** A new set of the members `keep` accepts, reusing their keys (paths are never mutated). */
  private copy(keep: (key: string, p: FieldPath) => boolean): FieldSet {
    const out = new FieldSet();
    for (const [k, p] of this.members) if (keep(k, p)) out.members.set(k, p);
    return out;
  }
  equals(other: FieldSet): boolean {
    return this.size === other.size && this.paths().every((p) => other.has(p));
  }
}

// ---- FieldsV1 <-> FieldSet

export function fieldSetFromFieldsV1(tree: unknown): FieldSet {
  const entries: [string, FieldPath][] = [];
  // `inner` is the path's key without its brackets: each element is stringified once, not once
  // per path below it.
  const walk = (node: unknown, path: PathElement[], inner: string) => {
    if (!isObject(node)) return;
    for (const pe in node) {
      if (pe === ".") continue;
      const child = node[pe];
      const p = [...path, pe];
      const key = inner ? `${inner},${JSON.stringify(pe)}` : JSON.stringify(pe);
      if (!isObject(child) || "." in child || isEmptyObject(child)) entries.push([`[${key}]`, p]);
      walk(child, p, key);
    }
  };
  walk(tree, [], "");
  return FieldSet.fromKeyed(entries);
}

function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

const KIND_ORDER: Record<string, number> = { f: 0, v: 1, k: 2, i: 3 };

function compareElements(a: string, b: string): number {
  if (a === ".") return -1;
  if (b === ".") return 1;
  const ka = KIND_ORDER[a[0]] ?? 9;
  const kb = KIND_ORDER[b[0]] ?? 9;
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fieldSetToFieldsV1(set: FieldSet): FieldsV1 {
  const root = new FieldNode();
  for (const p of set.paths()) {
    let n = root;
    for (const pe of p) n = n.child(pe);
    n.member = true;
  }
  return root.toFieldsV1();
}

/**
 * A node of a field set built as a tree, element by element (no path arrays): walks that only
 * add members build one and serialise it at once. A node that is no member and has no member
 * below it is left out of the FieldsV1 tree, as if it had never been made.
 */
export class FieldNode {
  member = false;
  private children: Map<PathElement, FieldNode> | undefined;

  /** The child at element `pe`, made when missing. */
  child(pe: PathElement): FieldNode {
    this.children ??= new Map();
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldNode()));
    return c;
  }

  /** This node's subtree in FieldsV1 form, children in Kubernetes' order; {} when it holds no member. */
  toFieldsV1(): FieldsV1 {
    return this.emit() ?? {};
  }

  private emit(): FieldsV1 | undefined {
    let kids: [PathElement, FieldsV1][] | undefined;
    if (this.children) {
      for (const [pe, c] of this.children) {
        const sub = c.emit();
        if (sub) (kids ??= []).push([pe, sub]);
      }
    }
    if (!kids) return this.member ? {} : undefined;
    const out: FieldsV1 = {};
    if (this.member) out["."] = {};
    if (kids.length > 1) kids.sort((a, b) => compareElements(a[0], b[0]));
    for (const [pe, sub] of kids) out[pe] = sub;
    return out;
  }
}

// ---- path elements

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

export function valueElement(v: unknown): PathElement {
  return `v:${JSON.stringify(v)}`;
}

/** The k:{...} element of an item of a map-type list (key fields sorted by name). */
export function keyElement(item: unknown, keys: readonly string[], itemSchema: Schema): PathElement {
  const o = isObject(item) ? item : {};
  const fields: JsonObject = {};
  for (const k of [...keys].sort()) fields[k] = keyValue(o, k, itemSchema);
  return `k:${JSON.stringify(fields)}`;
}

/** Kubernetes' defaults of key fields that schemas without a `default` may not state. */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: "TCP" };

/** A key field's value; a missing one takes the schema's default (ports' protocol: TCP). */
function keyValue(item: JsonObject, key: string, itemSchema: Schema): unknown {
  if (item[key] !== undefined) return item[key];
  const d = propertySchema(itemSchema, key).default ?? KEY_DEFAULTS[key];
  return d === undefined ? null : d;
}

/** ".spec.template.spec.containers[name=\"nginx\"].image", as Kubernetes prints a field path. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case "f":
          return `.${body}`;
        case "v":
          return `[=${body}]`;
        case "i":
          return `[${body}]`;
        case "k": {
          const fields = JSON.parse(body) as JsonObject;
          return `[${Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
        }
        default:
          return pe;
      }
    })
    .join("");
}

// ---- walking values along paths

export interface Located {
  value: unknown;
  schema: Schema;
}

/** The value (and its schema) at `path` in `obj`, or undefined when the path does not exist. */
export function locate(obj: unknown, path: FieldPath, schema: Schema): Located | undefined {
  let value = obj;
  let s = schema;
  for (const pe of path) {
    const step = stepInto(value, pe, s);
    if (!step) return undefined;
    value = step.value;
    s = step.schema;
  }
  return { value, schema: s };
}

function stepInto(value: unknown, pe: PathElement, schema: Schema): (Located & { index?: number }) | undefined {
  const body = pe.slice(2);
  if (pe.startsWith("f:")) {
    if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, body) || value[body] === undefined) return undefined;
    return { value: value[body], schema: propertySchema(schema, body) };
  }
  if (!Array.isArray(value)) return undefined;
  const items = itemsSchema(schema);
  if (pe.startsWith("k:")) {
    const keys = listTypeOf(schema).keys;
    const want = JSON.parse(body) as JsonObject;
    const names = keys.length > 0 ? keys : Object.keys(want);
    const index = value.findIndex((item) => keyElement(item, names, items) === pe);
    return index < 0 ? undefined : { value: value[index], schema: items, index };
  }
  if (pe.startsWith("v:")) {
    const want = JSON.parse(body) as unknown;
    const index = value.findIndex((v) => deepEqual(v, want));
    return index < 0 ? undefined : { value: value[index], schema: items, index };
  }
  if (pe.startsWith("i:")) {
    const index = Number(body);
    return index < value.length ? { value: value[index], schema: items, index } : undefined;
  }
  return undefined;
}

/**
 * The members of `sets` that exist in `obj` (those locate() finds), in one walk of `obj` along
 * all of them at once: a shared prefix is stepped into once, and the items of a map-type list are
 * keyed once per list rather than once per path.
 */
export function existingPaths(obj: unknown, sets: readonly FieldSet[], schema: Schema): Set<FieldPath> {
  interface PNode { ends: FieldPath[]; kids: Map<PathElement, PNode> }
  const root: PNode = { ends: [], kids: new Map() };
  for (const set of sets) {
    for (const p of set.paths()) {
      let n = root;
      for (const pe of p) {
        let c = n.kids.get(pe);
        if (!c) n.kids.set(pe, (c = { ends: [], kids: new Map() }));
        n = c;
      }
      n.ends.push(p);
    }
  }
  const found = new Set<FieldPath>();
  const walk = (n: PNode, value: unknown, s: Schema) => {
    let byKey: Map<string, number> | undefined;
    for (const [pe, child] of n.kids) {
      let step: Located | undefined;
      if (pe.startsWith("k:") && Array.isArray(value) && listTypeOf(s).keys.length > 0) {
        const items = itemsSchema(s);
        if (!byKey) {
          byKey = new Map();
          const keys = listTypeOf(s).keys;
          for (let i = 0; i < value.length; i++) {
            const ke = keyElement(value[i], keys, items);
            if (!byKey.has(ke)) byKey.set(ke, i);
          }
        }
        const i = byKey.get(pe);
        step = i === undefined ? undefined : { value: value[i], schema: items };
      } else step = stepInto(value, pe, s);
      if (!step) continue;
      for (const p of child.ends) found.add(p);
      if (child.kids.size > 0) walk(child, step.value, step.schema);
    }
  };
  walk(root, obj, schema);
  return found;
}

/**
 * Remove the node at `path` from `obj` (mutated). Objects left empty on the way up are removed
 * too unless `keep(parentPath)` says the empty node is itself owned.
 */
export function removePath(obj: unknown, path: FieldPath, schema: Schema, keep: (p: FieldPath) => boolean): void {
  const rm = (node: unknown, s: Schema, i: number): boolean => {
    const pe = path[i];
    const step = stepInto(node, pe, s);
    if (!step) return false;
    if (i < path.length - 1) {
      const changed = rm(step.value, step.schema, i + 1);
      const child = step.value;
      const emptied = changed && isObject(child) && Object.keys(child).length === 0 && pe.startsWith("f:") && !keep(path.slice(0, i + 1));
      if (!emptied) return false;
    }
    if (pe.startsWith("f:")) delete (node as JsonObject)[pe.slice(2)];
    else (node as unknown[]).splice(step.index!, 1);
    return true;
  };
  if (path.length > 0) rm(obj, schema, 0);
}

/** Is the schema node an atomic map/struct (x-kubernetes-map-type: atomic)? */
export function isAtomicMap(schema: Schema): boolean {
  return schema["x-kubernetes-map-type"] === "atomic";
}
