// Field ownership (managedFields) and server-side apply, as the registry and PATCH use them.
// The algorithms live in ./patch; this is the seam the API server calls.
import type { KObject } from "../api/resource";
import { ApiError } from "./errors";

export interface ManagedFieldsUpdate {
  before: KObject | undefined;
  after: KObject;
  manager: string;
  operation: "Update";
  apiVersion: string;
  now: string;
  subresource?: string;
}

export function updateManagedFields(u: ManagedFieldsUpdate): KObject {
  return u.after;
}

export interface ApplyConflict {
  manager: string;
  field: string;
  apiVersion?: string;
}

export function serverSideApply(_a: {
  live: KObject | undefined;
  applied: KObject;
  manager: string;
  force: boolean;
  schema: Record<string, unknown>;
  now: string;
}): { object: KObject; conflicts: ApplyConflict[] } {
  throw new ApiError(415, "UnsupportedMediaType", "server-side apply is not available yet");
}
