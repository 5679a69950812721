// Field ownership (managedFields) and server-side apply, as the registry and PATCH use them.
// The algorithms live in ./patch; this is the seam the API server calls.
import type { KObject } from "../../api/resource";
import { ApiError } from "./errors";
import {
  defaultManager,
  describeConflicts,
  serverSideApply as applyConfiguration,
  updateManagedFields as recordUpdate,
  type ApplyConflict,
} from "./patch";

export { defaultManager };

export interface ManagedFieldsUpdate {
  before: KObject | undefined;
  after: KObject;
  manager: string;
  operation: "Update";
  apiVersion: string;
  now: string;
  subresource?: string;
  schema?: Record<string, unknown>;
}

/** Record that `manager` now owns what it set or changed; returns `after` with managedFields. */
export function updateManagedFields(u: ManagedFieldsUpdate): KObject {
  return recordUpdate(u) as KObject;
}

export interface ApplyInput {
  live: KObject | undefined;
  applied: KObject;
  manager: string;
  force: boolean;
  schema: Record<string, unknown>;
  now: string;
  plural: string;
  group: string;
}

/** Server-side apply; a conflict with another manager is Kubernetes' 409 with one cause per field. */
export function serverSideApply(input: ApplyInput): KObject {
  const { object, conflicts } = applyConfiguration(input);
  if (conflicts.length > 0) throw conflictError(conflicts, input);
  return object as KObject;
}

function conflictError(conflicts: ApplyConflict[], input: ApplyInput): ApiError {
  const { message, causes } = describeConflicts(conflicts);
  return new ApiError(409, "Conflict", message, {
    name: input.applied.metadata?.name,
    group: input.group,
    kind: input.plural,
    causes,
  });
}
