// Reads one kustomization file: YAML with lines kept, kind Kustomization or Component, and every
// top-level field known (kustomize refuses unknown fields too). Helpers give the line of a field
// so later phases can point errors at the entry that caused them.
import { LineCounter, parseDocument } from "yaml";
import { KustomizeError } from "./errors";
import { isMap, type Json } from "./resource";

const FIELDS = new Set([
  "apiVersion", "kind", "metadata", "resources", "components", "namespace", "namePrefix", "nameSuffix",
  "commonLabels", "labels", "commonAnnotations", "images", "replicas", "patches", "patchesStrategicMerge",
  "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions",
  "sortOptions", "bases",
]);
/** Fields kustomize has that kubelab does not render: refused, never silently ignored. */
const UNSUPPORTED: Record<string, string> = {
  helmCharts: "Helm charts are not rendered by kubelab (no maintained renderer without the helm binary)",
  helmGlobals: "Helm charts are not rendered by kubelab",
  helmChartInflationGenerator: "Helm charts are not rendered by kubelab",
  generators: "generator plugins are not supported",
  transformers: "transformer plugins are not supported",
  validators: "validator plugins are not supported",
  replacements: "replacements are not supported yet",
  vars: "vars are not supported (deprecated in kustomize too)",
  crds: "crds (custom name references) are not supported",
  configurations: "configurations (custom transformer configs) are not supported",
  openapi: "openapi is not supported",
  buildMetadata: "buildMetadata (origin annotations) is not supported",
};

export interface Kustomization {
  file: string;
  /** Directory of the file ("" for the repository root). */
  dir: string;
  body: Json;
  kind: "Kustomization" | "Component";
  /** Line of a field ("resources", 2) in the file. */
  lineOf(path: Array<string | number>): number | undefined;
}

export function parseKustomization(file: string, dir: string, text: string): Kustomization {
  const lc = new LineCounter();
  // kustomize reads its kustomization file with sigs.k8s.io/yaml, i.e. YAML 1.1: `yes`, `on`, `y`
  // are booleans there, and a boolean where a string belongs is an error (see stringField).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, version: "1.1" });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new KustomizeError(file, e.linePos?.[0].line ?? lc.linePos(e.pos[0]).line, "KustomizationParseError", e.message.split("\n")[0]!);
  }
  const lineOf = (path: Array<string | number>) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lc.linePos(node.range[0]).line : undefined;
  };
  const body = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (!isMap(body)) throw new KustomizeError(file, 1, "InvalidKustomization", "a kustomization must be a YAML map");
  const keyLine = (k: string) => {
    const pair = (doc.contents as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> })?.items?.find((p) => p.key?.value === k);
    return pair?.key?.range ? lc.linePos(pair.key.range[0]).line : undefined;
  };
  for (const k of Object.keys(body)) {
    if (UNSUPPORTED[k]) throw new KustomizeError(file, keyLine(k), "UnsupportedKustomizeField", `${k}: ${UNSUPPORTED[k]}`);
    if (!FIELDS.has(k)) throw new KustomizeError(file, keyLine(k), "UnknownKustomizeField", `unknown field "${k}" in the kustomization`);
  }
  const kind = body.kind ?? "Kustomization";
  if (kind !== "Kustomization" && kind !== "Component") throw new KustomizeError(file, lineOf(["kind"]), "InvalidKustomization", `kind must be Kustomization or Component, not ${String(kind)}`);
  return { file, dir, body, kind, lineOf };
}

/** A list field (undefined = []), with an error when it is not a list. */
export function listField(k: Kustomization, field: string): unknown[] {
  const v = k.body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KustomizeError(k.file, k.lineOf([field]), "InvalidKustomization", `${field} must be a list`);
  return v;
}

/** A map of strings field (labels, annotations). */
export function stringMapField(k: Kustomization, field: string, v: unknown = k.body[field], path: Array<string | number> = [field]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new KustomizeError(k.file, k.lineOf(path), "InvalidKustomization", `${path.join(".")} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(v)) out[key] = stringValue(k, [...path, key], val);
  return out;
}

/** A string where kustomize expects one (YAML 1.1: an unquoted yes, on, y or 1 is not a string). */
export function stringValue(k: Kustomization, path: Array<string | number>, v: unknown): string {
  if (typeof v === "string") return v;
  const what = typeof v === "boolean" ? "a boolean (YAML 1.1, as kustomize reads it: quote it)" : typeof v === "number" ? "a number (quote it)" : `a ${Array.isArray(v) ? "list" : typeof v}`;
  throw new KustomizeError(k.file, k.lineOf(path), "InvalidKustomization", `${path.join(".").replace(/\.(\d+)/g, "[$1]")} must be a string, not ${what}`);
}

/** An optional string field of the kustomization. */
export function stringField(k: Kustomization, field: string): string {
  const v = k.body[field];
  return v === undefined || v === null ? "" : stringValue(k, [field], v);
}

/** Keys kustomize accepts in each kind of entry (it unmarshals strictly: a typo is an error). */
export const ENTRY_KEYS: Record<string, string[]> = {
  patches: ["path", "patch", "target", "options"],
  patchesJson6902: ["path", "patch", "target"],
  images: ["name", "newName", "newTag", "digest"],
  replicas: ["name", "count"],
  labels: ["pairs", "includeSelectors", "includeTemplates", "fields"],
  configMapGenerator: ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "kvSources"],
  secretGenerator: ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type", "kvSources"],
  generatorOptions: ["labels", "annotations", "disableNameSuffixHash", "immutable"],
  options: ["labels", "annotations", "disableNameSuffixHash", "immutable"],
};

/** Refuses a key of an entry that kustomize does not know, at its line. */
export function checkKeys(k: Kustomization, kind: string, path: Array<string | number>, entry: unknown): void {
  if (!isMap(entry)) return;
  const allowed = ENTRY_KEYS[kind] ?? [];
  for (const key of Object.keys(entry)) {
    if (key === "fields" || key === "kvSources") throw new KustomizeError(k.file, k.lineOf([...path, key]), "UnsupportedKustomizeField", `${key} in ${kind} is not supported`);
    if (!allowed.includes(key)) throw new KustomizeError(k.file, k.lineOf([...path, key]) ?? k.lineOf(path), "UnknownKustomizeField", `unknown field "${key}" in ${path.join(".").replace(/\.(\d+)/g, "[$1]")}`);
  }
}
