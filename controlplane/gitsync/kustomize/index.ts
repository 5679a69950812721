// Kustomize rendering for git-sync: a path whose directory holds a kustomization is built as
// `kubectl kustomize` builds it (kustomize v5); the result is manifests with the file and line
// each object came from, and errors with file and line, never a throw.
import type { SyncError } from "../../../api/gitops";
import type { Manifest, Snapshot } from "../manifests";
import { buildRoot, type BuildContext } from "./build";
import { KustomizeError } from "./errors";
import { kustomizationFile, SnapshotFiles } from "./files";

export { KUSTOMIZATION_FILES } from "./files";
export { contentHash } from "./hash";

export interface KustomizeResult {
  manifests: Manifest[];
  errors: SyncError[];
}

/** Does this repository directory hold a kustomization (so it is rendered with kustomize)? */
export function isKustomizeDir(snapshot: Snapshot, dir: string): boolean {
  return kustomizationFile(new SnapshotFiles(snapshot), dir) !== undefined;
}

/** Renders the kustomization in `dir` of the snapshot. */
export async function renderKustomization(snapshot: Snapshot, dir: string): Promise<KustomizeResult> {
  const ctx: BuildContext = { files: new SnapshotFiles(snapshot), errors: [] };
  try {
    const out = await buildRoot(ctx, dir);
    const manifests = out.map((r) => ({ file: r.file, line: r.line, document: r.document, object: r.object }));
    return { manifests: ctx.errors.length ? [] : manifests, errors: ctx.errors.map((e) => e.toSyncError()) };
  } catch (err) {
    if (err instanceof KustomizeError) return { manifests: [], errors: [...ctx.errors.map((e) => e.toSyncError()), err.toSyncError()] };
    return { manifests: [], errors: [{ file: dir || ".", reason: "KustomizeFailed", message: String((err as Error)?.message ?? err) }] };
  }
}
