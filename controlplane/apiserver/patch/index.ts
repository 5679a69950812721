// The patch engine of the API server: pure functions from (live object, patch) to a new object.
export { PatchError, type PatchErrorCode } from "./errors";
export { applyJsonPatch, validateJsonPatch } from "./json-patch";
export { applyMergePatch } from "./merge-patch";
export { applyStrategicMergePatch } from "./strategic-merge";
export type { Schema } from "./schema";
