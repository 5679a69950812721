// The files a kustomization may read: exactly one snapshot of the repository (a git tree, or a
// directory walk in tests), read lazily and cached. Paths are repository-relative, "/"-separated;
// anything leaving the repository is refused by the caller (resolvePath returns undefined).
import { posix } from "node:path";
import type { Snapshot } from "../manifests";

export class SnapshotFiles {
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>([""]);
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly snapshot: Snapshot) {
    for (const e of snapshot.entries) {
      if (e.type === "submodule") continue;
      this.files.add(e.path);
      for (let d = posix.dirname(e.path); d !== "." && !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
    }
  }

  isFile(path: string): boolean {
    return this.files.has(path);
  }

  isDir(path: string): boolean {
    return this.dirs.has(path);
  }

  async read(path: string): Promise<Buffer | undefined> {
    if (!this.cache.has(path)) {
      const got = await this.snapshot.read([path]);
      const buf = got.get(path);
      if (buf) this.cache.set(path, buf);
    }
    return this.cache.get(path);
  }

  /** Files directly in a directory (not below), sorted. */
  filesIn(dir: string): string[] {
    return [...this.files].filter((f) => posix.dirname(f) === (dir === "" ? "." : dir)).sort();
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
