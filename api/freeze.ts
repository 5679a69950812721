// Deep freezing, for objects shared between readers (informer caches, the API server's shared reads).

/**
 * Freezes value and everything reachable from it (plain objects and arrays, as JSON gives), and
 * returns it. A frozen object is taken as frozen all the way down: only this function freezes.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  }
  return Object.freeze(value);
}
