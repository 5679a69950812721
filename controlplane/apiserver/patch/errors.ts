// The one error type of the patch engine. The API server maps `code` to a Status:
// 400 BadRequest (a malformed patch), 409 Conflict, 422 Invalid (a well-formed patch that cannot
// be applied to this object, e.g. a failing JSON patch `test`), as Kubernetes does.

export type PatchErrorCode = 400 | 409 | 422;

export class PatchError extends Error {
  readonly code: PatchErrorCode;
  /** JSON pointer or dotted path of the offending part, when known. */
  readonly field?: string;

  constructor(code: PatchErrorCode, message: string, field?: string) {
    super(message);
    this.name = "PatchError";
    this.code = code;
    this.field = field;
  }
}

export function badPatch(message: string, field?: string): PatchError {
  return new PatchError(400, message, field);
}

export function unprocessablePatch(message: string, field?: string): PatchError {
  return new PatchError(422, message, field);
}
