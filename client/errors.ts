// Errors the client throws: ApiStatusError for every answer the API server gave as a Kubernetes
// Status, ConnectionError when no answer came (refused, reset, DNS, timed out). Callers decide on
// retries; these helpers tell them which case they are in.

/** A Kubernetes Status (meta/v1) as the API server sends it on failure. */
export interface ApiStatus {
  kind: "Status";
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: ApiStatusDetails;
  code: number;
}

export interface ApiStatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

/** The API server answered with an error Status (any non-2xx answer). */
export class ApiStatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: ApiStatusDetails;

  constructor(readonly status: ApiStatus) {
    super(status.message ?? `request failed with status ${status.code}`);
    this.name = "ApiStatusError";
    this.code = status.code;
    this.reason = status.reason ?? "Unknown";
    this.details = status.details;
  }
}

export type ConnectionErrorKind = "network" | "timeout";

/** No answer from the API server: connection refused or reset, DNS, TLS, or the call timed out. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly kind: ConnectionErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConnectionError";
  }
}

export function isStatus(value: unknown): value is ApiStatus {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "Status" &&
    typeof (value as { code?: unknown }).code === "number"
  );
}

/** Builds a Status for a non-2xx answer whose body was not a Status (proxies, plain text). */
export function statusFromHttp(code: number, body: string): ApiStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: body.trim() || `the server responded with HTTP ${code}`,
    reason: reasonForCode(code),
    code,
  };
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

/** "pods", "replicasets.apps": how the API server names a resource in its messages. */
const qualified = (res: { plural: string; group: string }): string => (res.group ? `${res.plural}.${res.group}` : res.plural);

const failure = (code: number, reason: string, message: string, details: ApiStatusDetails): ApiStatusError =>
  new ApiStatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code });

/** The NotFound the API server answers (apimachinery's errors.NewNotFound); for fakes and reactors. */
export const newNotFound = (res: { plural: string; group: string }, name: string): ApiStatusError =>
  failure(404, "NotFound", `${qualified(res)} "${name}" not found`, { name, group: res.group, kind: res.plural });

export const newAlreadyExists = (res: { plural: string; group: string }, name: string): ApiStatusError =>
  failure(409, "AlreadyExists", `${qualified(res)} "${name}" already exists`, { name, group: res.group, kind: res.plural });

/** A 409 Conflict; why defaults to the stale-resourceVersion message. */
export const newConflict = (
  res: { plural: string; group: string },
  name: string,
  why = "the object has been modified; please apply your changes to the latest version and try again",
): ApiStatusError =>
  failure(409, "Conflict", `Operation cannot be fulfilled on ${qualified(res)} "${name}": ${why}`, { name, group: res.group, kind: res.plural });

const codeOf = (err: unknown): number | undefined =>
  err instanceof ApiStatusError ? err.code : undefined;

export const isNotFound = (err: unknown): boolean => codeOf(err) === 404;
/**
 * Swallows a NotFound (the object is already gone, which is what the caller wanted) and rethrows
 * anything else: `await client.delete(...).catch(ignoreNotFound)`, or `ignoreNotFound(err)` in a
 * catch block. Returns undefined for a NotFound.
 */
export function ignoreNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

/** 409 Conflict: a stale resourceVersion (or a precondition failed). Not AlreadyExists. */
export const isConflict = (err: unknown): boolean =>
  codeOf(err) === 409 && (err as ApiStatusError).reason !== "AlreadyExists";
export const isAlreadyExists = (err: unknown): boolean =>
  codeOf(err) === 409 && (err as ApiStatusError).reason === "AlreadyExists";
/** 410 Gone / Expired: the requested resourceVersion has been compacted; relist. */
export const isGone = (err: unknown): boolean => codeOf(err) === 410;
export const isInvalid = (err: unknown): boolean => codeOf(err) === 422;
export const isConnectionError = (err: unknown): err is ConnectionError => err instanceof ConnectionError;
export const isAbortError = (err: unknown): boolean =>
  typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
