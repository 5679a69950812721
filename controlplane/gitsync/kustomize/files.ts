// The files a kustomization may read: exactly one snapshot of the repository (a git tree, or a
// directory walk in tests), read lazily and cached. Paths are repository-relative, "/"-separated;
// anything leaving the repository is refused by the caller (resolvePath returns undefined).
import { posix } from "node:path";
import type { Snapshot, SnapshotEntry } from "../manifests";
import { KustomizeError } from "./errors";

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_SYMLINK_HOPS = 8;

export class SnapshotFiles {
  private readonly files = new Map<string, SnapshotEntry>();
  private readonly dirs = new Set<string>([""]);
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly snapshot: Snapshot) {
    for (const e of snapshot.entries) {
      if (e.type === "submodule") continue;
      this.files.set(e.path, e);
      for (let d = posix.dirname(e.path); d !== "." && !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
    }
  }

  isFile(path: string): boolean {
    return this.files.has(path);
  }

  isDir(path: string): boolean {
    return this.dirs.has(path);
  }

  /**
   * A file's bytes, symlinks followed. As kustomize's default load restrictor (RootOnly), the
   * file (after symlinks) must be in or below `root`, the reading kustomization's directory.
   */
  async read(path: string, root?: string, from?: { file: string; line?: number }): Promise<Buffer | undefined> {
    let at = path;
    for (let hops = 0; this.files.get(at)?.type === "symlink"; hops++) {
      const target = (await this.raw(at))?.toString("utf8") ?? "";
      const next = hops < MAX_SYMLINK_HOPS ? resolvePath(posix.dirname(at) === "." ? "" : posix.dirname(at), target) : undefined;
      if (next === undefined || !this.files.has(next)) throw new KustomizeError(from?.file ?? path, from?.line, "SymlinkTargetMissing", `symlink ${path} does not point to a file in this revision`);
      at = next;
    }
    if (root !== undefined && root !== "" && at !== root && !at.startsWith(root + "/")) {
      throw new KustomizeError(from?.file ?? path, from?.line, "FileOutsideKustomization", `file ${at} is not in or below ${root} (kustomize's load restrictor; reference another kustomization directory instead)`);
    }
    const size = this.files.get(at)?.size ?? 0;
    if (size > MAX_FILE_BYTES) throw new KustomizeError(from?.file ?? path, from?.line, "FileTooLarge", `${path} is ${size} bytes, larger than the limit of ${MAX_FILE_BYTES} bytes`);
    return this.raw(at);
  }

  /**
   * Reads files ahead in one batch (one git process for a kustomization's whole resource list,
   * instead of one per file); what read() checks (symlinks, load restrictor, size) it still checks.
   */
  async prefetch(paths: string[]): Promise<void> {
    const wanted = paths.filter((p) => !this.cache.has(p) && this.files.get(p)?.type === "file" && (this.files.get(p)?.size ?? 0) <= MAX_FILE_BYTES);
    if (wanted.length < 2) return;
    const got = await this.snapshot.read(wanted);
    for (const [p, buf] of got) this.cache.set(p, buf);
  }

  private async raw(path: string): Promise<Buffer | undefined> {
    if (!this.cache.has(path)) {
      const got = await this.snapshot.read([path]);
      const buf = got.get(path);
      if (buf) this.cache.set(path, buf);
    }
    return this.cache.get(path);
  }
}

/** `rel` (from a kustomization in `dir`) as a repository path; undefined when it leaves the repository. */
export function resolvePath(dir: string, rel: string): string | undefined {
  if (rel.startsWith("/")) return undefined;
  const n = posix.normalize(posix.join(dir === "" ? "." : dir, rel)).replace(/\/+$/, "");
  if (n === ".") return "";
  if (n === ".." || n.startsWith("../")) return undefined;
  return n;
}

/** Names kustomize accepts for the kustomization file of a directory, in its order of preference. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** The kustomization file of a directory, if it has one. */
export function kustomizationFile(files: SnapshotFiles, dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => (dir === "" ? f : `${dir}/${f}`)).find((p) => files.isFile(p));
}
