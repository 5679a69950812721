// What keeps decoded bodies and patches away from JavaScript's prototypes. A key "__proto__" is
// data in JSON but a prototype setter on a plain object, and zod's records drop it silently; so
// the API server refuses it (422 Invalid, with the field) wherever it appears in a body or a
// patch, instead of storing something other than what was sent. "constructor" and "prototype"
// are ordinary keys: everything that walks an object reads own properties only (ownValue).
// Nesting is bounded so that no recursive merge runs into the stack limit.

export const PROTO_KEY = "__proto__";

/** Kubernetes objects nest about 20 levels deep; 100 leaves room and stays far from the stack limit. */
export const MAX_NESTING_DEPTH = 100;

export type UnsafeShape = { problem: "protoKey" | "tooDeep"; field: string };

/**
 * The first `__proto__` key or over-deep nesting in a decoded JSON value, with its field path
 * ("data.__proto__", "spec.containers[0]"), or undefined. Iterative: any depth is safe to scan.
 */
export function findUnsafeShape(value: unknown, maxDepth = MAX_NESTING_DEPTH): UnsafeShape | undefined {
  // Every body of every write goes through here: a first pass builds no field paths, and only a
  // body that has a problem is walked again to name where.
  return hasUnsafeShape(value, maxDepth) ? locateUnsafeShape(value, maxDepth) : undefined;
}

function hasUnsafeShape(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= maxDepth) return true;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === "object" && item !== null) (values.push(item), depths.push(depth + 1));
      continue;
    }
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      if (k === PROTO_KEY || k.endsWith(`/${PROTO_KEY}`)) return true;
      const child = (v as Record<string, unknown>)[k];
      if (typeof child === "object" && child !== null) (values.push(child), depths.push(depth + 1));
    }
  }
  return false;
}

function locateUnsafeShape(value: unknown, maxDepth: number): UnsafeShape | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= maxDepth) return { problem: "tooDeep", field: path || "<root>" };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const k of Object.keys(v)) {
      const field = path ? `${path}.${k}` : k;
      if (k === PROTO_KEY || k.endsWith(`/${PROTO_KEY}`)) return { problem: "protoKey", field };
      stack.push({ v: (v as Record<string, unknown>)[k], path: field, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Human text for a refusal, shared by the body decoder and the patch engines. */
export function describeUnsafeShape(s: UnsafeShape): string {
  return s.problem === "protoKey"
    ? `${s.field}: Invalid value: the key "${PROTO_KEY}" is not allowed`
    : `${s.field}: the object nests deeper than ${MAX_NESTING_DEPTH} levels`;
}

/** o[k] when it is o's own property; never something inherited (constructor, toString, ...). */
export function ownValue(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

/** o[k] = v as a plain data property, also for k "__proto__" (which `=` would treat as the prototype). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === PROTO_KEY) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}
