// Builds one kustomization the way kustomize's KustTarget does: accumulate resources (files,
// directories with their own kustomization, built first), then components, then this level's
// generators, then its transformers in kustomize's order, then name references are fixed for the
// renames of this level. At the top, generated names get their content hash.
import { parseYamlFile } from "../manifests";
import { addAnnotations } from "./annotations";
import { KustomizeError } from "./errors";
import { kustomizationFile, resolvePath, type SnapshotFiles } from "./files";
import { runGenerators } from "./generators";
import { contentHash } from "./hash";
import { setImages, type ImageEntry } from "./images";
import { checkKeys, listField, parseKustomization, stringField, stringValue, stringMapField, type Kustomization } from "./kustomization";
import { addLabels } from "./labels";
import { fixReferences, namesOf } from "./name-reference";
import { setNamespace } from "./namespace";
import { runPatches } from "./patches";
import { addPrefixSuffix } from "./prefix-suffix";
import { setReplicas, type ReplicaEntry } from "./replicas";
import { groupOf, isMap, type Json, type Resource } from "./resource";

/** Remote bases (git URLs, github.com/..., any scheme): kubelab reads only the revision's own tree. */
export const isRemote = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(s) || /^git@/.test(s) || /[?&]ref=/.test(s);

export interface BuildContext {
  files: SnapshotFiles;
  /** Errors that do not stop the build (a resource file that does not parse). */
  errors: KustomizeError[];
  /** Kustomizations built so far: a base shared by many overlays is built once per use. */
  builds?: number;
}

/** Most kustomization builds per render (a diamond of bases nested deep grows exponentially). */
export const MAX_BUILDS = 500;
/** Most objects one render may produce, as for plain YAML. */
export const MAX_OBJECTS = 10_000;

export async function loadKustomization(ctx: BuildContext, dir: string, from?: { file: string; line?: number }): Promise<Kustomization> {
  const file = kustomizationFile(ctx.files, dir);
  if (!file) throw new KustomizeError(from?.file ?? dir, from?.line, "KustomizationNotFound", `directory ${dir || "."} has no kustomization.yaml`);
  const buf = await ctx.files.read(file);
  return parseKustomization(file, dir, (buf ?? Buffer.alloc(0)).toString("utf8"));
}

/** The fully built output of the kustomization in `dir`. */
export async function buildRoot(ctx: BuildContext, dir: string): Promise<Resource[]> {
  const out = await buildDir(ctx, dir, []);
  const before = namesOf(out);
  for (const r of out) if (r.generated?.hash) r.object.metadata.name = `${r.object.metadata.name}-${contentHash(r.object as unknown as Json)}`;
  fixReferences(out, before);
  return out;
}

async function buildDir(ctx: BuildContext, dir: string, stack: string[], from?: { file: string; line?: number }): Promise<Resource[]> {
  if (stack.includes(dir)) throw new KustomizeError(from?.file ?? dir, from?.line, "KustomizationCycle", `kustomization cycle: ${[...stack, dir].join(" -> ")}`);
  ctx.builds = (ctx.builds ?? 0) + 1;
  if (ctx.builds > MAX_BUILDS) throw new KustomizeError(from?.file ?? dir, from?.line, "TooManyKustomizations", `more than ${MAX_BUILDS} kustomization builds in one render`);
  const k = await loadKustomization(ctx, dir, from);
  if (k.kind === "Component") throw new KustomizeError(from?.file ?? k.file, from?.line, "InvalidKustomization", `${k.file} is a Component: list it under components, not resources`);
  const acc: Resource[] = [];
  await buildLevel(ctx, k, acc, [...stack, dir]);
  return acc;
}

async function buildLevel(ctx: BuildContext, k: Kustomization, acc: Resource[], stack: string[]): Promise<void> {
  const listed = [...listField(k, "resources"), ...listField(k, "bases")].filter((e): e is string => typeof e === "string" && !isRemote(e));
  await ctx.files.prefetch(listed.map((rel) => resolvePath(k.dir, rel)).filter((p): p is string => p !== undefined));
  for (const [i, entry] of [...listField(k, "resources").map((e, i) => [e, ["resources", i]] as const), ...listField(k, "bases").map((e, i) => [e, ["bases", i]] as const)].entries()) {
    await addResource(ctx, k, stringValue(k, [...entry[1]], entry[0]), { file: k.file, line: k.lineOf([...entry[1]]) }, acc, stack, i);
  }
  for (const [i, c] of listField(k, "components").entries()) {
    const where = { file: k.file, line: k.lineOf(["components", i]) };
    const rel = stringValue(k, ["components", i], c);
    if (isRemote(rel)) throw new KustomizeError(where.file, where.line, "RemoteBaseRefused", `remote component ${rel} is refused: kubelab renders only this repository's revision`);
    const dir = resolvePath(k.dir, rel);
    if (dir === undefined || !ctx.files.isDir(dir)) throw new KustomizeError(where.file, where.line, "FileNotFound", `component ${rel} is not a directory in this revision`);
    const comp = await loadKustomization(ctx, dir, where);
    if (comp.kind !== "Component") throw new KustomizeError(where.file, where.line, "InvalidKustomization", `${comp.file} is not a kind: Component`);
    await buildLevel(ctx, comp, acc, [...stack, dir]);
  }
  await runGenerators(k, ctx.files, acc);
  const before = namesOf(acc);
  await runTransformers(ctx, k, acc);
  fixReferences(acc, before);
}

async function addResource(ctx: BuildContext, k: Kustomization, rel: string, where: { file: string; line?: number }, acc: Resource[], stack: string[], _i: number): Promise<void> {
  if (isRemote(rel)) throw new KustomizeError(where.file, where.line, "RemoteBaseRefused", `remote base ${rel} is refused: kubelab renders only this repository's revision (vendor the base into the repository)`);
  const path = resolvePath(k.dir, rel);
  if (path === undefined) throw new KustomizeError(where.file, where.line, "InvalidPath", `resource ${rel} leaves the repository`);
  if (ctx.files.isDir(path)) {
    for (const r of await buildDir(ctx, path, stack, where)) addUnique(acc, r, where);
    return;
  }
  const buf = ctx.files.isFile(path) ? await ctx.files.read(path, k.dir, where) : undefined;
  if (!buf) throw new KustomizeError(where.file, where.line, "FileNotFound", `resource ${rel} is not a file or directory in this revision`);
  const parsed = parseYamlFile(path, buf);
  for (const e of parsed.errors) ctx.errors.push(new KustomizeError(e.file ?? path, e.line, e.reason ?? "YAMLParseError", e.message ?? "invalid YAML"));
  for (const m of parsed.manifests) {
    addUnique(acc, { object: m.object, file: m.file, line: m.line, document: m.document, origName: m.object.metadata.name, origNamespace: m.object.metadata.namespace }, { file: m.file, line: m.line });
  }
  if (acc.length > MAX_OBJECTS) throw new KustomizeError(where.file, where.line, "TooManyObjects", `more than ${MAX_OBJECTS} objects`);
}

/** kustomize refuses a second resource with the same id (group, kind, namespace, name). */
function addUnique(acc: Resource[], r: Resource, where: { file: string; line?: number }): void {
  const o = r.object;
  const at = acc.find((x) => x.object.kind === o.kind && groupOf(x.object.apiVersion) === groupOf(o.apiVersion) && x.object.metadata.name === o.metadata.name && x.object.metadata.namespace === o.metadata.namespace);
  if (at) throw new KustomizeError(where.file, where.line, "DuplicateObject", `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + "/" : ""}${o.metadata.name} is already defined in ${at.file}:${at.line}`);
  acc.push(r);
}

async function runTransformers(ctx: BuildContext, k: Kustomization, acc: Resource[]): Promise<void> {
  const str = (f: string) => stringField(k, f);
  await runPatches(k, ctx.files, acc, "patchesStrategicMerge");
  await runPatches(k, ctx.files, acc, "patches");
  setNamespace(acc, str("namespace"));
  addPrefixSuffix(acc, str("namePrefix"), str("nameSuffix"));
  addLabels(acc, stringMapField(k, "commonLabels"), { selectors: true, templates: true });
  for (const [i, l] of listField(k, "labels").entries()) {
    if (!isMap(l)) throw new KustomizeError(k.file, k.lineOf(["labels", i]), "InvalidKustomization", "labels entries must be maps with pairs");
    checkKeys(k, "labels", ["labels", i], l);
    addLabels(acc, stringMapField(k, "", l.pairs, ["labels", i, "pairs"]), { selectors: l.includeSelectors === true, templates: l.includeTemplates === true });
  }
  addAnnotations(acc, stringMapField(k, "commonAnnotations"));
  await runPatches(k, ctx.files, acc, "patchesJson6902");
  setReplicas(acc, listField(k, "replicas").map((e, i) => checkEntry<ReplicaEntry>(k, "replicas", i, e, (x) => typeof x.name === "string" && typeof x.count === "number")));
  setImages(acc, listField(k, "images").map((e, i) => checkEntry<ImageEntry>(k, "images", i, e, (x) => typeof x.name === "string")));
}

function checkEntry<T>(k: Kustomization, field: string, i: number, e: unknown, ok: (x: Json) => boolean): T {
  if (!isMap(e) || !ok(e)) throw new KustomizeError(k.file, k.lineOf([field, i]), "InvalidKustomization", `${field}[${i}] is not a valid entry`);
  checkKeys(k, field, [field, i], e);
  if (field === "images") for (const f of ["newTag", "newName", "digest"]) if (e[f] !== undefined) stringValue(k, [field, i, f], e[f]);
  return e as T;
}
