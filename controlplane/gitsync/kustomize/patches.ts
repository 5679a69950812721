// patches (kustomize's PatchTransformer), and the deprecated patchesStrategicMerge and
// patchesJson6902: a patch from a file or inline, strategic merge or JSON 6902 (a YAML/JSON list
// of operations), applied to its target selector's matches, or for a strategic merge patch
// without target to the object it names (which must exist).
import jsonPatch, { type Operation } from "fast-json-patch";
import { parseAllDocuments } from "yaml";
import { KustomizeError } from "./errors";
import { resolvePath, type SnapshotFiles } from "./files";
import { checkKeys, type Kustomization } from "./kustomization";
import { isMap, type Json, type Resource } from "./resource";
import { parseSelector, selects, type Selector } from "./select";
import { schemaFor, strategicMerge } from "./strategic-merge";

interface Where {
  file: string;
  line?: number;
}

async function patchText(k: Kustomization, files: SnapshotFiles, entry: Json, at: Where): Promise<{ text: string; where: Where }> {
  if (typeof entry.patch === "string") return { text: entry.patch, where: at };
  if (typeof entry.path !== "string") throw new KustomizeError(at.file, at.line, "InvalidPatch", "a patch needs path or patch");
  const p = resolvePath(k.dir, entry.path);
  const buf = p !== undefined && files.isFile(p) ? await files.read(p, k.dir, at) : undefined;
  if (!buf) throw new KustomizeError(at.file, at.line, "FileNotFound", `patch ${entry.path} is not a file in this revision`);
  return { text: buf.toString("utf8"), where: { file: p!, line: 1 } };
}

/** Patch documents; a JSON 6902 list is read as YAML 1.1, as kustomize reads it (sigs.k8s.io/yaml). */
function parseDocs(text: string, where: Where): unknown[] {
  const docs12 = parse(text, where, "1.2");
  return docs12.length === 1 && Array.isArray(docs12[0]) ? parse(text, where, "1.1") : docs12;
}

function parse(text: string, where: Where, version: "1.1" | "1.2"): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: false, version });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length) throw new KustomizeError(where.file, where.line, "PatchParseError", d.errors[0]!.message.split("\n")[0]!);
  return list.map((d) => d.toJS({ maxAliasCount: 100 })).filter((v) => v !== null && v !== undefined);
}

function applyJson6902(r: Resource, ops: unknown, where: Where): void {
  try {
    const res = jsonPatch.applyPatch(r.object, ops as Operation[], true, true);
    r.object = res.newDocument as Resource["object"];
  } catch (err) {
    throw new KustomizeError(where.file, where.line, "PatchFailed", `JSON patch on ${r.object.kind} ${r.object.metadata.name}: ${(err as Error).message.split("\n")[0]}`);
  }
}

function applySmp(r: Resource, patch: Json, where: Where): boolean {
  const body = { ...patch };
  delete body.apiVersion;
  delete body.kind;
  const merged = strategicMerge(r.object as unknown as Json, { ...body, metadata: { ...(isMap(body.metadata) ? body.metadata : {}), name: r.object.metadata.name } }, schemaFor(r.object.apiVersion, r.object.kind));
  if (!merged) return false;
  r.object = merged as unknown as Resource["object"];
  return true;
}

/** Applies one patch; `target` undefined means "the object the strategic merge patch names". */
function applyPatch(resources: Resource[], text: string, target: Selector | undefined, where: Where): void {
  const docs = parseDocs(text, where);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!target) throw new KustomizeError(where.file, where.line, "InvalidPatch", "a JSON 6902 patch needs a target");
    for (const r of resources.filter((x) => selects(target, x))) applyJson6902(r, docs[0], where);
    return;
  }
  for (const doc of docs) {
    if (!isMap(doc)) throw new KustomizeError(where.file, where.line, "InvalidPatch", "a strategic merge patch must be a map");
    const meta = isMap(doc.metadata) ? doc.metadata : {};
    const sel: Selector = target ?? { kind: String(doc.kind ?? ""), name: String(meta.name ?? ""), ...(typeof meta.namespace === "string" ? { namespace: meta.namespace } : {}) };
    const matches = resources.filter((x) => selects(sel, x));
    if (!target && matches.length === 0) throw new KustomizeError(where.file, where.line, "PatchTargetNotFound", `no ${sel.kind} named ${sel.name} to patch`);
    for (const r of matches) if (!applySmp(r, doc, where)) resources.splice(resources.indexOf(r), 1);
  }
}

export async function runPatches(k: Kustomization, files: SnapshotFiles, resources: Resource[], field: "patches" | "patchesStrategicMerge" | "patchesJson6902"): Promise<void> {
  const list = k.body[field];
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new KustomizeError(k.file, k.lineOf([field]), "InvalidKustomization", `${field} must be a list`);
  for (const [i, raw] of list.entries()) {
    const at: Where = { file: k.file, line: k.lineOf([field, i]) };
    if (field === "patchesStrategicMerge") {
      const isInline = typeof raw === "string" && /\n|:\s/.test(raw);
      const { text, where } = isInline ? { text: raw as string, where: at } : await patchText(k, files, { path: String(raw) }, at);
      applyPatch(resources, text, undefined, where);
      continue;
    }
    if (!isMap(raw)) throw new KustomizeError(at.file, at.line, "InvalidPatch", `${field}[${i}] must be a map with path or patch`);
    checkKeys(k, field, [field, i], raw);
    const target = raw.target === undefined ? undefined : parseSelector(raw.target, k.file, k.lineOf([field, i, "target"]));
    if (field === "patchesJson6902" && !target) throw new KustomizeError(at.file, at.line, "InvalidPatch", "patchesJson6902 entries need a target");
    const { text, where } = await patchText(k, files, raw, at);
    applyPatch(resources, text, target, where);
  }
}
