// Strategic merge patch (application/strategic-merge-patch+json), with the behaviour of
// Kubernetes' apimachinery strategicpatch on the server side: lists with a merge key merge
// element-wise, merge-strategy lists of scalars are unioned, other lists are replaced, maps merge
// recursively, null deletes; directives $patch (replace|delete|merge), $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list>. Where the schema says nothing
// (labels, unknown paths) this is a JSON merge patch.
import { checkPatchShape, PatchError } from "./errors";
import { interleave } from "./list-order";
import { deepClone, deepEqual, isObject, type JsonObject } from "./json";
import { itemsSchema, patchMeta, propertySchema, type PatchMeta, type Schema } from "./schema";
import { ownValue, setOwn } from "./safe-keys";

export const DIRECTIVE = "$patch";
export const RETAIN_KEYS = "$retainKeys";
export const SET_ELEMENT_ORDER = "$setElementOrder/";
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

/**
 * Apply a strategic merge patch to `original` (neither is changed). `schema` is the dereferenced
 * JSON schema of the whole object (ResourceType.jsonSchema); lists carry
 * x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy.
 */
export function applyStrategicMergePatch<T>(original: T, patch: unknown, schema: Schema): T {
  if (!isObject(patch)) throw new PatchError(400, "strategic merge patch must be a JSON object");
  checkPatchShape(patch);
  const base: JsonObject = isObject(original) ? deepClone(original) : {};
  const result = mergeMap(base, deepClone(patch), schema, "");
  return (result ?? {}) as T;
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Merge `patch` into `original` (mutated and returned). Returns undefined when the map itself is
 * deleted by `$patch: delete`.
 */
function mergeMap(original: JsonObject, patch: JsonObject, schema: Schema, path: string): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    delete patch[DIRECTIVE];
    if (directive === "replace") return mergeMap({}, patch, schema, path) ?? {};
    if (directive === "delete") return undefined;
    if (directive !== "merge") throw new PatchError(400, `unknown patch type: ${JSON.stringify(directive)} in map: ${path || "<root>"}`, path);
  }
  applyRetainKeys(original, patch, path);

  for (const key of Object.keys(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    const remove = patch[key];
    delete patch[key];
    if (!Array.isArray(remove)) throw new PatchError(400, `invalid patch: ${key} must be a list of values`, child(path, field));
    const current = ownValue(original, field);
    if (Array.isArray(current)) setOwn(original, field, current.filter((v) => !remove.some((r) => deepEqual(r, v))));
  }

  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw new PatchError(400, `invalid patch: ${key} must be a list`, child(path, field));
    const fieldSchema = propertySchema(schema, field);
    const meta = patchMeta(fieldSchema);
    if (!meta.strategies.includes("merge")) continue;
    const patchList = patch[field];
    if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) continue;
    delete patch[field];
    const own = ownValue(original, field);
    const current = Array.isArray(own) ? (own as unknown[]) : [];
    checkSetElementOrder(patchList ?? [], order, meta, child(path, field));
    const merged = mergeList(current, patchList ?? [], itemsSchema(fieldSchema), meta, child(path, field));
    const keyOf = elementKey(meta.mergeKey);
    const orderKeys = order.map(keyOf);
    const inOrder = merged.filter((e) => orderKeys.includes(keyOf(e)));
    const serverOnly = merged.filter((e) => !orderKeys.includes(keyOf(e)));
    const result = interleave(inOrder, serverOnly, order, current, keyOf);
    if (result.length > 0 || own !== undefined) setOwn(original, field, result);
  }

  for (const [key, value] of Object.entries(patch)) {
    const path2 = child(path, key);
    if (value === null) {
      delete original[key];
      continue;
    }
    const fieldSchema = propertySchema(schema, key);
    const meta = patchMeta(fieldSchema);
    const current = ownValue(original, key);
    if (isObject(value)) {
      if (meta.strategies.includes("replace")) {
        setOwn(original, key, stripDirectives(value, fieldSchema, path2));
        continue;
      }
      const merged = mergeMap(isObject(current) ? current : {}, value, fieldSchema, path2);
      if (merged === undefined) delete original[key];
      else setOwn(original, key, merged);
    } else if (Array.isArray(value)) {
      setOwn(original, key, mergeList(Array.isArray(current) ? current : [], value, itemsSchema(fieldSchema), meta, path2));
    } else {
      setOwn(original, key, value);
    }
  }
  return original;
}

/** A patch value placed where the original has nothing: directives and nulls are dropped. */
function stripDirectives(value: JsonObject, schema: Schema, path: string): JsonObject {
  return mergeMap({}, value, schema, path) ?? {};
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string")) {
    throw new PatchError(400, `invalid patch: ${RETAIN_KEYS} must be a list of field names`, path);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k === DIRECTIVE) continue;
    if (!retain.includes(k)) {
      throw new PatchError(400, `doesn't satisfy the retainKeys directive: field ${JSON.stringify(k)} of ${path || "<root>"} is not in ${RETAIN_KEYS}`, child(path, k));
    }
  }
  for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
}

/** Identity of a list element: its merge key's value (maps) or itself (scalars). */
function elementKey(mergeKey: string | undefined): (e: unknown) => string {
  return (e) => JSON.stringify(mergeKey && isObject(e) ? e[mergeKey] : e);
}

function checkSetElementOrder(patchList: unknown[], order: unknown[], meta: PatchMeta, path: string): void {
  const keyOf = elementKey(meta.mergeKey);
  const orderKeys = order.map((o) => {
    if (meta.mergeKey && (!isObject(o) || o[meta.mergeKey] === undefined)) {
      throw new PatchError(400, `invalid patch: ${SET_ELEMENT_ORDER}${path.split(".").pop()} entries must carry the merge key ${meta.mergeKey}`, path);
    }
    return keyOf(o);
  });
  for (const e of patchList) {
    if (isObject(e) && e[DIRECTIVE] !== undefined) continue;
    if (!orderKeys.includes(keyOf(e))) {
      throw new PatchError(400, `invalid patch: ${keyOf(e)} of ${path} is missing from the ${SET_ELEMENT_ORDER} list`, path);
    }
  }
}

/** Merge two lists per the field's patch strategy; `original` is not changed. */
function mergeList(original: unknown[], patch: unknown[], itemSchema: Schema, meta: PatchMeta, path: string): unknown[] {
  if (!meta.strategies.includes("merge")) return patch;
  if (original.length === 0 && patch.length === 0) return original;
  const sample = patch.length > 0 ? patch[0] : original[0];
  if (Array.isArray(sample)) throw new PatchError(422, `lists of lists are not supported: ${path}`, path);
  if (!isObject(sample)) return mergeScalarList(original, patch, path);
  if (!meta.mergeKey) throw new PatchError(400, `cannot merge lists without merge key for ${path}`, path);
  const mergeKey = meta.mergeKey;
  const keyOf = elementKey(mergeKey);

  let base = [...original];
  const plain: JsonObject[] = [];
  let replace = false;
  for (const e of patch) {
    if (!isObject(e)) throw new PatchError(400, `invalid patch: ${path} mixes maps and scalars`, path);
    const d = e[DIRECTIVE];
    if (d === undefined || d === "merge") {
      if (d !== undefined) delete e[DIRECTIVE];
      if (e[mergeKey] === undefined) {
        throw new PatchError(400, `map: ${JSON.stringify(e)} does not contain declared merge key: ${mergeKey}`, path);
      }
      plain.push(e);
    } else if (d === "delete") {
      if (e[mergeKey] === undefined) {
        throw new PatchError(400, `map: ${JSON.stringify(e)} does not contain declared merge key: ${mergeKey}`, path);
      }
      base = base.filter((o) => keyOf(o) !== keyOf(e));
    } else if (d === "replace") {
      replace = true;
    } else {
      throw new PatchError(400, `unknown patch type: ${JSON.stringify(d)} in list: ${path}`, path);
    }
  }
  if (replace) return plain.map((e) => stripDirectives(e, itemSchema, path));

  const merged = [...base];
  for (const e of plain) {
    const i = merged.findIndex((o) => keyOf(o) === keyOf(e));
    const target = i >= 0 && isObject(merged[i]) ? deepClone(merged[i] as JsonObject) : {};
    const m = mergeMap(target, e, itemSchema, `${path}[${keyOf(e)}]`);
    if (i >= 0) {
      if (m === undefined) merged.splice(i, 1);
      else merged[i] = m;
    } else if (m !== undefined) merged.push(m);
  }
  const patchKeys = plain.map(keyOf);
  const fromPatch = merged.filter((e) => patchKeys.includes(keyOf(e)));
  const serverOnly = merged.filter((e) => !patchKeys.includes(keyOf(e)));
  return interleave(fromPatch, serverOnly, plain, base, keyOf);
}

function mergeScalarList(original: unknown[], patch: unknown[], path: string): unknown[] {
  if (patch.some((e) => isObject(e) || Array.isArray(e))) throw new PatchError(400, `invalid patch: ${path} mixes maps and scalars`, path);
  const merged: unknown[] = [];
  for (const v of [...original, ...patch]) if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
  const keyOf = elementKey(undefined);
  const patchKeys = patch.map(keyOf);
  const fromPatch = merged.filter((e) => patchKeys.includes(keyOf(e)));
  const serverOnly = merged.filter((e) => !patchKeys.includes(keyOf(e)));
  return interleave(fromPatch, serverOnly, patch, original, keyOf);
}
