// How a write through the registry is made, and what it returns (registry.ts).
import type { FieldValidation, KObject } from "../../api/resource";
import type { AdmissionUser } from "./admission/attributes";

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Set when writing a subresource ("status", "finalize"...). */
  subresource?: string;
  /** managedFields were computed by server-side apply: keep them as they are. */
  applyManaged?: boolean;
  /**
   * The server built the new object from the stored one (pods/binding, which Kubernetes writes
   * through storage alone, bypassing the pod's strategy and the field manager): no decode or
   * update validation, managedFields kept as they are. Admission still runs.
   */
  storageOnly?: boolean;
  /** Who writes, for admission (Pod Security exemptions, NodeRestriction); unset for the server's own writes. */
  user?: AdmissionUser;
}

export interface WriteResult {
  object: KObject;
  warnings: string[];
  /** The object as JSON text when the write stored it (the stored text with its resourceVersion), so a reply need not encode it again. */
  json?: string;
}
