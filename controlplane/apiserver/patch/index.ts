// The patch engine of the API server: pure functions from (live object, patch) to a new object.
export { PatchError, type PatchErrorCode } from "./errors";
export { applyJsonPatch, validateJsonPatch } from "./json-patch";
export { applyMergePatch } from "./merge-patch";
export { applyStrategicMergePatch } from "./strategic-merge";
export type { Schema } from "./schema";
export {
  defaultManager,
  updateManagedFields,
  type ManagedFieldsEntry,
  type ManagedFieldsOperation,
  type UpdateManagedFieldsInput,
} from "./managed-fields";
export {
  describeConflicts,
  serverSideApply,
  type ApplyConflict,
  type ServerSideApplyInput,
  type ServerSideApplyResult,
} from "./server-side-apply";
export { FieldSet, fieldSetFromFieldsV1, fieldSetToFieldsV1, pathString, type FieldsV1 } from "./fieldpath";
