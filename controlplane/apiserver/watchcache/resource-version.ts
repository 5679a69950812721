// What a read's resourceVersion and resourceVersionMatch ask for, as Kubernetes defines them
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#the-resourceversion-parameter),
// with ValidateListOptions' messages for what it refuses:
//   unset            the most recent state (a consistent read)
//   "0"              any state the server has (the cache, however old)
//   N (NotOlderThan) a state at least as new as N
//   N, Exact         the state at exactly N (also a bare N with a limit: Kubernetes' legacy rule)
import { ApiError, invalid } from "../errors";

export type ReadAt =
  | { kind: "consistent" }
  | { kind: "any" }
  | { kind: "notOlderThan"; revision: number }
  | { kind: "exact"; revision: number };

export interface ReadParams {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /** For lists: the continue token and the limit (both change what a bare resourceVersion means). */
  continueToken?: string;
  limit?: number;
}

/** A GET's resourceVersion. */
export function readAtForGet(resourceVersion: string | undefined): ReadAt {
  if (!resourceVersion) return { kind: "consistent" };
  if (resourceVersion === "0") return { kind: "any" };
  return { kind: "notOlderThan", revision: parseRevision(resourceVersion) };
}

/** A list's resourceVersion and resourceVersionMatch (a continue token overrides both: its own revision). */
export function readAtForList(p: ReadParams): ReadAt {
  const rv = p.resourceVersion ?? "";
  const match = p.resourceVersionMatch ?? "";
  if (match) {
    const causes = [];
    const field = "resourceVersionMatch";
    if (!rv) causes.push({ reason: "FieldValueForbidden", field, message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided" });
    if (p.continueToken) causes.push({ reason: "FieldValueForbidden", field, message: "Forbidden: resourceVersionMatch is forbidden when continue is provided" });
    if (match !== "Exact" && match !== "NotOlderThan") {
      causes.push({ reason: "FieldValueNotSupported", field, message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""` });
    }
    if (match === "Exact" && rv === "0") causes.push({ reason: "FieldValueForbidden", field, message: `Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"` });
    if (causes.length > 0) throw invalid("ListOptions", "meta.k8s.io", "", causes);
  }
  if (p.continueToken && rv && rv !== "0") throw new ApiError(400, "BadRequest", "specifying resource version is not allowed when using continue");
  if (!rv) return { kind: "consistent" };
  if (rv === "0") return { kind: "any" };
  const revision = parseRevision(rv);
  if (match === "Exact" || (!match && p.limit && p.limit > 0)) return { kind: "exact", revision };
  return { kind: "notOlderThan", revision };
}

function parseRevision(rv: string): number {
  const n = /^[0-9]+$/.test(rv) ? Number(rv) : NaN;
  if (!Number.isSafeInteger(n)) throw new ApiError(400, "BadRequest", `invalid resource version: ${rv}`);
  return n;
}

/** 504 after waiting for a revision the server has not reached (kube's ResourceVersionTooLarge). */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, "Timeout", `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version", field: "" }],
    retryAfterSeconds: 1,
  });
}

/** 410 for a list at a revision the server no longer has (etcd3 store's "expired"). */
export function listTooOld(): ApiError {
  return new ApiError(410, "Expired", "The resourceVersion for the provided list is too old.");
}

/** 410 for a continue token whose snapshot is gone, carrying a token that continues at the current state. */
export class ContinueExpiredError extends ApiError {
  constructor(readonly continueToken: string) {
    super(
      410,
      "Expired",
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
  }

  override toStatus() {
    const s = super.toStatus();
    return { ...s, metadata: { continue: this.continueToken } };
  }
}
