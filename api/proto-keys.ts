// "__proto__" as a key of an API object. JSON.parse makes it an ordinary own key, and Kubernetes
// allows it where any key is allowed (a ConfigMap's data key "__proto__" is valid). But zod drops
// such keys from records, and `obj[key] = value` with that key replaces obj's prototype instead of
// adding data: the key is lost and the object reads inherited values it never had. So decode()
// carries these keys through zod under an escaped name (one NUL in front; a key that already has
// NULs in front gets one more, so the mapping is one-to-one) and puts them back as own data
// properties. "constructor" and "prototype" are ordinary own keys and need nothing.

const protoLike = /^\0*__proto__$/;

/** The key as it travels through zod. */
export function escapeKey(key: string): string {
  return key.endsWith("__proto__") && protoLike.test(key) ? `\0${key}` : key;
}

/** The key as the user wrote it. */
export function unescapeKey(key: string): string {
  return protoLike.test(key) ? key.slice(1) : key;
}

export function isEscaped(key: string): boolean {
  return key.startsWith("\0") && protoLike.test(key);
}

/** target[key] = value as an own data property, whatever key is ("__proto__" included). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of value with every escaped key turned back into the user's own data key. */
export function restoreKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(restoreKeys);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, isEscaped(k) ? k.slice(1) : k, restoreKeys(v));
  return out;
}
