// Patches as the fake client applies them: JSON merge patch (RFC 7386) for "merge", and for
// "strategic" and "apply" too (the fake does not merge lists by key or track field owners: a list
// in the patch replaces the live one), and JSON patch (RFC 6902) for "json".
import type { PatchType } from "./types";

type Json = unknown;

export function applyPatch(target: Json, patch: Json, type: PatchType): Json {
  if (type === "json") return jsonPatch(target, patch);
  return mergePatch(target, patch);
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: Json;
  from?: string;
}

/** RFC 6902 over a copy of target; a failed "test" or a missing path throws. */
function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new Error("json patch: the body must be a list of operations");
  let doc = structuredClone(target);
  for (const o of ops as Operation[]) {
    switch (o.op) {
      case "add": doc = put(doc, o.path, structuredClone(o.value), true); break;
      case "replace": get(doc, o.path); doc = put(doc, o.path, structuredClone(o.value), false); break;
      case "remove": doc = take(doc, o.path); break;
      case "move": { const v = get(doc, o.from!); doc = put(take(doc, o.from!), o.path, v, true); break; }
      case "copy": doc = put(doc, o.path, structuredClone(get(doc, o.from!)), true); break;
      case "test":
        if (JSON.stringify(get(doc, o.path)) !== JSON.stringify(o.value)) throw new Error(`json patch: test failed at ${o.path}`);
        break;
      default: throw new Error(`json patch: unknown op ${JSON.stringify((o as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

function tokens(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`json patch: bad path ${JSON.stringify(path)}`);
  return path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function get(doc: Json, path: string): Json {
  let cur = doc;
  for (const t of tokens(path)) {
    if (!isObject(cur) && !Array.isArray(cur)) throw new Error(`json patch: no value at ${path}`);
    if (!(t in cur)) throw new Error(`json patch: no value at ${path}`);
    cur = (cur as Record<string, Json>)[t];
  }
  return cur;
}

function parentOf(doc: Json, path: string): { parent: Record<string, Json> | Json[]; last: string } {
  const ts = tokens(path);
  const last = ts.pop();
  if (last === undefined) throw new Error("json patch: the root cannot be changed this way");
  const parent = get(doc, ts.map((t) => "/" + t.replace(/~/g, "~0").replace(/\//g, "~1")).join(""));
  if (!isObject(parent) && !Array.isArray(parent)) throw new Error(`json patch: no container at ${path}`);
  return { parent, last };
}

function put(doc: Json, path: string, value: Json, insert: boolean): Json {
  if (path === "") return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`json patch: bad index at ${path}`);
    parent.splice(i, insert ? 0 : 1, value);
  } else parent[last] = value;
  return doc;
}

function take(doc: Json, path: string): Json {
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new Error(`json patch: bad index at ${path}`);
    parent.splice(i, 1);
  } else {
    if (!(last in parent)) throw new Error(`json patch: no value at ${path}`);
    delete parent[last];
  }
  return doc;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
