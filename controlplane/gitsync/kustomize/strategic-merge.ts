// Strategic merge for kustomize patches, over the patch metadata of api/'s JSON schemas
// (x-kubernetes-patch-merge-key / -strategy). The API server's implementation lives in
// controlplane/apiserver/patch, which git-sync may not import (architecture test); this is the
// subset kustomize patches use: maps merge, null deletes, keyed lists merge by key (an element
// with `$patch: delete` removes it), `$patch: replace|delete` on maps, other lists are replaced.
import { findByKind } from "../../../api/index";
import { clone, isMap, type Json } from "./resource";

type Schema = Json | undefined;

const prop = (s: Schema, k: string): Schema => {
  if (!s) return undefined;
  const p = (s.properties as Json | undefined)?.[k] ?? s.additionalProperties;
  return isMap(p) ? p : undefined;
};

export function schemaFor(apiVersion: string, kind: string): Schema {
  return findByKind(apiVersion, kind)?.jsonSchema as Json | undefined;
}

export function strategicMerge(original: Json, patch: Json, schema: Schema): Json | undefined {
  return mergeMap(clone(original), clone(patch), schema);
}

function mergeMap(orig: Json, patch: Json, schema: Schema): Json | undefined {
  const directive = patch.$patch;
  delete patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") return patch;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$setElementOrder/") || k === "$retainKeys") continue;
    if (v === null) delete orig[k];
    else if (isMap(v) && isMap(orig[k])) {
      const m = mergeMap(orig[k] as Json, v, prop(schema, k));
      if (m === undefined) delete orig[k];
      else orig[k] = m;
    } else if (Array.isArray(v) && Array.isArray(orig[k])) orig[k] = mergeList(orig[k] as unknown[], v, prop(schema, k));
    else if (isMap(v)) {
      const m = mergeMap({}, v, prop(schema, k));
      if (m !== undefined) orig[k] = m;
    } else orig[k] = Array.isArray(v) ? v.filter((e) => !(isMap(e) && e.$patch === "delete")) : v;
  }
  return orig;
}

function mergeList(orig: unknown[], patch: unknown[], schema: Schema): unknown[] {
  const key = schema?.["x-kubernetes-patch-merge-key"] as string | undefined;
  const strategy = String(schema?.["x-kubernetes-patch-strategy"] ?? "");
  if (patch.some((e) => isMap(e) && e.$patch === "replace")) return patch.filter((e) => !(isMap(e) && e.$patch === "replace"));
  if (key && strategy.includes("merge")) {
    // kustomize (kyaml merge2) puts the patch's elements first, in its order, then the others.
    const items = isMap(schema?.items) ? schema.items : undefined;
    const rest = [...orig];
    const out: unknown[] = [];
    for (const p of patch) {
      if (!isMap(p)) continue;
      const i = rest.findIndex((o) => isMap(o) && o[key] === p[key]);
      const matched = i >= 0 ? (rest.splice(i, 1)[0] as Json) : undefined;
      if (p.$patch === "delete") continue;
      const m = mergeMap(matched ?? {}, p, items);
      if (m !== undefined) out.push(m);
    }
    return [...out, ...rest];
  }
  if (strategy.includes("merge")) return [...orig, ...patch.filter((p) => !orig.includes(p))];
  return patch;
}
