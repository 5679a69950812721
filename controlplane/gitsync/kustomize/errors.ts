// One error type for everything a kustomization can get wrong. It always names the file (the
// kustomization, or the resource/patch file) and, when known, the line, so the render phase can
// turn it into a SyncError like any other file error of a revision.
import type { SyncError } from "../../../api/gitops";

export class KustomizeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  toSyncError(): SyncError {
    return { file: this.file, ...(this.line ? { line: this.line } : {}), reason: this.reason, message: this.message };
  }
}
