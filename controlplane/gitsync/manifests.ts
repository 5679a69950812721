// Reads the manifests of one snapshot of a repository: every .yaml/.yml/.json file under the
// selected paths, multi-document YAML with the line of each document, JSON files, `kind: List`.
// Nothing here throws on bad input: every problem becomes a SyncError with file and line, and
// all of them are collected (not just the first), so one run can tell the user everything.
import { posix } from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";
import type { SyncError } from "../../api/gitops";

/** One entry of the snapshot's tree (git ls-tree, or a directory walk). */
export interface SnapshotEntry {
  /** Path relative to the repository root, "/"-separated, no leading "./". */
  path: string;
  type: "file" | "symlink" | "submodule";
  /** Bytes of the blob (for a symlink: of its target string). */
  size: number;
}

/** Exactly one revision's tree: what a run reads, and nothing else. */
export interface Snapshot {
  entries: SnapshotEntry[];
  /** Contents of the given entries (files, or symlinks' target strings), read in one batch. */
  read(paths: string[]): Promise<Map<string, Buffer>>;
}

/** An object read from git, with where it came from. */
export interface Manifest {
  file: string;
  /** 1-based line where the document (or List item) starts. */
  line: number;
  /** 0-based index of the document within the file. */
  document: number;
  object: ManifestObject;
  /** Line of a field within the document ("spec.replicas" -> 12), when the file is YAML. */
  fieldLine?: (path: Array<string | number>) => number | undefined;
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

export interface ReadOptions {
  /** Directories (or files) within the repository; default the root. */
  paths?: string[];
  /** Largest file read (default 1 MiB). */
  maxFileBytes?: number;
  /** Most aliases one YAML document may expand (default 100). */
  maxAliasCount?: number;
  /** Most objects in a revision (default 10,000). */
  maxObjects?: number;
  /**
   * The namespace an object lands in (used to find duplicates): e.g. the GitRepository's
   * namespace for namespaced kinds without one, undefined for cluster-scoped kinds.
   */
  namespaceOf?: (obj: ManifestObject) => string | undefined;
}

export interface ReadResult {
  manifests: Manifest[];
  errors: SyncError[];
}

export const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];
const DEFAULT_MAX_FILE = 1024 * 1024;
const MAX_SYMLINK_HOPS = 8;

/** Normalizes a spec.paths entry to a repository-relative path ("" for the root); undefined if it leaves the repo. */
export function normalizeRepoPath(p: string): string | undefined {
  const rel = p.replace(/\\/g, "/").replace(/^\/+/, "");
  if (rel === "") return "";
  const n = posix.normalize(rel).replace(/\/+$/, "");
  if (n === ".") return "";
  if (n === ".." || n.startsWith("../")) return undefined;
  return n;
}

const isManifestFile = (path: string) => MANIFEST_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext));
const under = (path: string, dir: string) => dir === "" || path === dir || path.startsWith(dir + "/");

/** Reads every manifest under opts.paths in the snapshot; errors are collected, never thrown. */
export async function readManifests(snapshot: Snapshot, opts: ReadOptions = {}): Promise<ReadResult> {
  const errors: SyncError[] = [];
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE;
  const byPath = new Map(snapshot.entries.map((e) => [e.path, e]));
  const dirs: string[] = [];
  for (const raw of opts.paths?.length ? opts.paths : [""]) {
    const dir = normalizeRepoPath(raw);
    if (dir === undefined) {
      errors.push({ reason: "InvalidPath", message: `path ${JSON.stringify(raw)} leaves the repository` });
    } else if (dir !== "" && !byPath.has(dir) && !snapshot.entries.some((e) => e.path.startsWith(dir + "/"))) {
      errors.push({ file: dir, reason: "PathNotFound", message: `path ${JSON.stringify(raw)} does not exist in this revision` });
    } else if (!dirs.includes(dir)) {
      dirs.push(dir);
    }
  }
  const selected = snapshot.entries
    .filter((e) => isManifestFile(e.path) && e.type !== "submodule" && dirs.some((d) => under(e.path, d)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  // Resolve symlinks inside the tree; those leaving the repository are errors.
  const source = new Map<string, string>(); // file path -> blob path to read
  let symlinks = selected.filter((e) => e.type === "symlink").map((e) => ({ link: e.path, at: e.path, hops: 0 }));
  for (const e of selected) if (e.type === "file") source.set(e.path, e.path);
  while (symlinks.length > 0) {
    const targets = await snapshot.read(symlinks.map((s) => s.at));
    const next: typeof symlinks = [];
    for (const s of symlinks) {
      const target = (targets.get(s.at) ?? Buffer.alloc(0)).toString("utf8");
      const resolved = target.startsWith("/") ? undefined : normalizeRepoPath(posix.join(posix.dirname(s.at), target));
      if (resolved === undefined || resolved === "") {
        errors.push({ file: s.link, reason: "SymlinkOutsideRepository", message: `symlink points outside the repository (${target})` });
        continue;
      }
      const entry = byPath.get(resolved);
      if (!entry || entry.type === "submodule") {
        errors.push({ file: s.link, reason: "SymlinkTargetMissing", message: `symlink target ${resolved} is not a file in this revision` });
      } else if (entry.type === "symlink") {
        if (s.hops + 1 >= MAX_SYMLINK_HOPS) errors.push({ file: s.link, reason: "SymlinkLoop", message: `too many levels of symbolic links` });
        else next.push({ link: s.link, at: resolved, hops: s.hops + 1 });
      } else {
        source.set(s.link, resolved);
      }
    }
    symlinks = next;
  }

  const toRead: string[] = [];
  for (const [file, blob] of source) {
    const size = byPath.get(blob)!.size;
    if (size > maxBytes) {
      errors.push({ file, reason: "FileTooLarge", message: `file is ${size} bytes, larger than the limit of ${maxBytes} bytes` });
      source.delete(file);
    } else toRead.push(blob);
  }
  const contents = toRead.length ? await snapshot.read([...new Set(toRead)]) : new Map<string, Buffer>();

  const manifests: Manifest[] = [];
  for (const [file, blob] of source) {
    const buf = contents.get(blob);
    if (!buf) {
      errors.push({ file, reason: "ReadFailed", message: "could not read the file" });
      continue;
    }
    const parsed = file.toLowerCase().endsWith(".json") ? parseJsonFile(file, buf) : parseYamlFile(file, buf, opts.maxAliasCount ?? 100);
    manifests.push(...parsed.manifests);
    errors.push(...parsed.errors);
  }
  const maxObjects = opts.maxObjects ?? 10_000;
  if (manifests.length > maxObjects) {
    errors.push({ reason: "TooManyObjects", message: `${manifests.length} objects, more than the limit of ${maxObjects}` });
  }
  errors.push(...findDuplicates(manifests, opts.namespaceOf));
  return { manifests, errors };
}

/** Parses one YAML file's documents; an empty document is skipped. */
export function parseYamlFile(file: string, buf: Buffer, maxAliasCount = 100): ReadResult {
  const manifests: Manifest[] = [];
  const errors: SyncError[] = [];
  const text = buf.toString("utf8");
  if (text.includes("\u0000")) return { manifests, errors: [{ file, reason: "BinaryFile", message: "file is not text" }] };
  const lineCounter = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    return { manifests, errors: [{ file, reason: "YAMLParseError", message: String((err as Error).message ?? err) }] };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        errors.push({ file, line: pos.line, document: index, reason: "YAMLParseError", message: firstLine(e.message) });
      }
      return;
    }
    if (doc.contents === null) return; // empty document
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      errors.push({ file, line, document: index, reason: "YAMLParseError", message: firstLine((err as Error).message) });
      return;
    }
    if (value === null || value === undefined) return;
    const fieldLine = (prefix: Array<string | number>) => (path: Array<string | number>) => {
      const node = doc.getIn([...prefix, ...path], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    collect(file, line, index, value, manifests, errors, fieldLine, []);
  });
  return { manifests, errors };
}

/** Parses one JSON file: an object, or a List of objects. */
export function parseJsonFile(file: string, buf: Buffer): ReadResult {
  const manifests: Manifest[] = [];
  const errors: SyncError[] = [];
  const text = buf.toString("utf8");
  if (text.trim() === "") return { manifests, errors };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = msg.match(/position (\d+)/);
    const line = m ? text.slice(0, Number(m[1])).split("\n").length : jsonErrorLine(text, msg);
    errors.push({ file, ...(line ? { line } : {}), document: 0, reason: "JSONParseError", message: firstLine(msg) });
    return { manifests, errors };
  }
  collect(file, 1, 0, value, manifests, errors);
  return { manifests, errors };
}

/** Node's "Unexpected token" JSON errors carry a snippet instead of a position: find it. */
function jsonErrorLine(text: string, msg: string): number | undefined {
  let pos: number | undefined;
  const m = msg.match(/^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/);
  if (m) {
    if (m[2]) {
      const at = text.indexOf(m[3]!);
      if (at >= 0) pos = at + 10; // V8 shows 10 characters before the token
    } else pos = text.indexOf(m[1]!);
  } else if (/end of JSON input/.test(msg)) pos = text.trimEnd().length;
  return pos === undefined || pos < 0 ? undefined : text.slice(0, pos).split("\n").length;
}

type FieldLineFactory = (prefix: Array<string | number>) => (path: Array<string | number>) => number | undefined;

function collect(
  file: string,
  line: number,
  document: number,
  value: unknown,
  out: Manifest[],
  errors: SyncError[],
  fieldLine?: FieldLineFactory,
  prefix: Array<string | number> = [],
): void {
  const where = { file, line, document };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    errors.push({ ...where, reason: "InvalidDocument", message: `document is ${Array.isArray(value) ? "a list" : `a ${typeof value}`}, not an object with apiVersion and kind` });
    return;
  }
  const obj = value as Record<string, unknown>;
  if (obj.kind === "List" && Array.isArray(obj.items) && (obj.apiVersion === "v1" || obj.apiVersion === undefined)) {
    obj.items.forEach((item, i) => {
      const itemLine = fieldLine?.([...prefix, "items"])([i]) ?? line;
      collect(file, itemLine, document, item, out, errors, fieldLine, [...prefix, "items", i]);
    });
    return;
  }
  const problems: string[] = [];
  if (typeof obj.apiVersion !== "string" || obj.apiVersion === "") problems.push("apiVersion");
  if (typeof obj.kind !== "string" || obj.kind === "") problems.push("kind");
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const name = meta && typeof meta === "object" ? meta.name : undefined;
  if (typeof name !== "string" || name === "") problems.push("metadata.name");
  if (problems.length > 0) {
    errors.push({
      ...where,
      ...(typeof obj.apiVersion === "string" ? { apiVersion: obj.apiVersion } : {}),
      ...(typeof obj.kind === "string" ? { kind: obj.kind } : {}),
      reason: "InvalidDocument",
      message: `document has no ${problems.join(", no ")}`,
    });
    return;
  }
  if (meta!.namespace !== undefined && typeof meta!.namespace !== "string") {
    errors.push({ ...where, reason: "InvalidDocument", message: "metadata.namespace must be a string" });
    return;
  }
  out.push({ ...where, object: obj as ManifestObject, ...(fieldLine ? { fieldLine: fieldLine(prefix) } : {}) });
}

/** Group of an apiVersion ("" for core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/** Identity of an object regardless of its version: group/kind/namespace/name. */
export function objectKey(o: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

export function findDuplicates(manifests: Manifest[], namespaceOf?: (o: ManifestObject) => string | undefined): SyncError[] {
  const seen = new Map<string, Manifest>();
  const errors: SyncError[] = [];
  for (const m of manifests) {
    const o = m.object;
    const namespace = namespaceOf ? namespaceOf(o) : o.metadata.namespace;
    const key = objectKey({ apiVersion: o.apiVersion, kind: o.kind, namespace, name: o.metadata.name });
    const first = seen.get(key);
    if (first) {
      errors.push({
        file: m.file,
        line: m.line,
        document: m.document,
        apiVersion: o.apiVersion,
        kind: o.kind,
        ...(namespace ? { namespace } : {}),
        name: o.metadata.name,
        reason: "DuplicateObject",
        message: `${o.kind} ${namespace ? namespace + "/" : ""}${o.metadata.name} is also defined in ${first.file}:${first.line}`,
      });
    } else seen.set(key, m);
  }
  return errors;
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

/** "spec.template.spec.containers[0].image" -> ["spec","template","spec","containers",0,"image"]. */
export function parseFieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3].replace(/^"|"$/g, ""));
  }
  return out;
}

/** "file:line" for messages. */
export function locate(e: { file?: string; line?: number }): string {
  return e.file ? (e.line ? `${e.file}:${e.line}` : e.file) : "";
}
