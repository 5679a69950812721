// ApiError: every failure the API server reports, carrying a Kubernetes Status. Thrown anywhere in
// a handler; turned into an HTTP response in exactly one place (http.ts).
import type { FieldCause } from "../../api/resource";

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "Invalid"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: FieldCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Failure" | "Success";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toStatus(): Status {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      // Every 404 has details, as kube-apiserver's do (NewNotFound, NewGenericServerResponse):
      // kubectl reads err.ErrStatus.Details.Name on some of them (debug) and panics on none.
      ...(this.details ? { details: this.details } : this.code === 404 ? { details: {} } : {}),
      code: this.code,
    };
  }
}

/** "pods", "deployments.apps": how Kubernetes names a resource in messages. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string) =>
  new ApiError(404, "NotFound", `${qualifiedResource(plural, group)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });

/** apierrors.NewForbidden: `pods "web" is forbidden: <why>`. */
export const forbidden = (plural: string, group: string, name: string, why: string) =>
  new ApiError(403, "Forbidden", `${qualifiedResource(plural, group)} "${name}" is forbidden: ${why}`, { name, group, kind: plural });

/** A path no route serves (an unknown resource, subresource or group), as kube-apiserver answers it. */
export const notFoundPath = () => new ApiError(404, "NotFound", "the server could not find the requested resource", {});

export const alreadyExists = (plural: string, group: string, name: string) =>
  new ApiError(409, "AlreadyExists", `${qualifiedResource(plural, group)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });

export const conflict = (plural: string, group: string, name: string, why: string) =>
  new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`,
    { name, group, kind: plural },
  );

export const invalid = (kind: string, group: string, name: string, causes: FieldCause[]) =>
  new ApiError(
    422,
    "Invalid",
    `${kind}${group ? "." + group : ""} "${name}" is invalid: ` +
      causes.map((c) => `${c.field}: ${c.message}`).join(", "),
    { name, group, kind, causes },
  );

export const badRequest = (message: string) => new ApiError(400, "BadRequest", message);
