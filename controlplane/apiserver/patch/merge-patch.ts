// JSON merge patch (RFC 7386, application/merge-patch+json): null deletes a key, objects merge
// recursively, everything else (arrays, scalars) replaces. `kubectl scale` and
// `kubectl patch --type=merge` send these.
import { checkPatchShape, PatchError } from "./errors";
import { deepClone, isObject } from "./json";
import { ownValue, setOwn } from "./safe-keys";

/** Apply an RFC 7386 merge patch; neither argument is changed. */
export function applyMergePatch<T>(obj: T, patch: unknown): T {
  if (!isObject(patch)) {
    throw new PatchError(400, "merge patch must be a JSON object");
  }
  checkPatchShape(patch);
  return mergeValue(deepClone(obj), patch) as T;
}

/** RFC 7386 MergePatch(target, patch). */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergeValue(ownValue(out, k), v));
  }
  return out;
}
