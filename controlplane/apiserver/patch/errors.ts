// The one error type of the patch engine. It carries its Kubernetes Status (it is an ApiError), so
// wherever it escapes it answers as Kubernetes does: 400 BadRequest (a malformed patch),
// 409 Conflict, 422 Invalid (a well-formed patch that cannot be applied to this object, e.g. a
// failing JSON patch `test`).
import { ApiError, type StatusReason } from "../errors";
import { describeUnsafeShape, findUnsafeShape } from "./safe-keys";

export type PatchErrorCode = 400 | 409 | 422;

const REASONS: Record<PatchErrorCode, StatusReason> = { 400: "BadRequest", 409: "Conflict", 422: "Invalid" };

export class PatchError extends ApiError {
  declare readonly code: PatchErrorCode;
  /** JSON pointer or dotted path of the offending part, when known. */
  readonly field?: string;

  constructor(code: PatchErrorCode, message: string, field?: string) {
    super(code, REASONS[code], message);
    this.name = "PatchError";
    this.field = field;
  }
}

export function badPatch(message: string, field?: string): PatchError {
  return new PatchError(400, message, field);
}

export function unprocessablePatch(message: string, field?: string): PatchError {
  return new PatchError(422, message, field);
}

/** Refuse a patch with a `__proto__` key (422) or nested too deep (400) before it is merged. */
export function checkPatchShape(patch: unknown): void {
  const bad = findUnsafeShape(patch);
  if (bad) throw new PatchError(bad.problem === "protoKey" ? 422 : 400, describeUnsafeShape(bad), bad.field);
}
