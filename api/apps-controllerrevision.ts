// apps/v1 ControllerRevision: an immutable snapshot of a controller's pod template (what
// StatefulSets, and DaemonSets in Kubernetes, roll out and roll back to), its validation
// (ValidateControllerRevision*) and the `kubectl get controllerrevisions` Table columns.
import { z } from "zod";
import { defineResource, deepEqual } from "./define";
import { ObjectMeta, typeMeta } from "./meta";
import { age, ageCol, col, nameCol, type Printer } from "./printing/columns";
import type { FieldCause } from "./resource";
import { fieldError, validateNonnegative } from "./validation";

const RawExtension = z
  .record(z.string(), z.unknown())
  .meta({ id: "io.k8s.apimachinery.pkg.runtime.RawExtension", description: "RawExtension is used to hold extensions in external versions." });

export const ControllerRevision = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    data: RawExtension.optional().describe("Data is the serialized representation of the state."),
    revision: z.number().int().describe("Revision indicates the revision of the state represented by Data."),
  })
  .meta({
    id: "io.k8s.api.apps.v1.ControllerRevision",
    description: "ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state. Once a ControllerRevision has been successfully created, it can not be updated. The API Server will fail validation of all requests that attempt to mutate the Data field. ControllerRevisions may, however, be deleted. Note that, due to its use by both the DaemonSet and StatefulSet controllers for update and rollback, this object is beta. However, it may be subject to name and representation changes in future releases, and clients should not depend on its stability. It is primarily for internal use by controllers.",
  });
export type ControllerRevision = z.infer<typeof ControllerRevision>;

export function validateControllerRevision(cr: ControllerRevision): FieldCause[] {
  const out: FieldCause[] = [];
  if (cr.data === undefined) out.push(fieldError.required("data", "data is mandatory"));
  out.push(...validateNonnegative(cr.revision, "revision"));
  return out;
}

export function validateControllerRevisionUpdate(next: ControllerRevision, old: ControllerRevision): FieldCause[] {
  return deepEqual(next.data, old.data) ? [] : [fieldError.immutable("data", next.data)];
}

export const controllerrevisions = defineResource<ControllerRevision>({
  group: "apps",
  version: "v1",
  kind: "ControllerRevision",
  plural: "controllerrevisions",
  namespaced: true,
  schema: ControllerRevision,
  validateObject: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
});

/** printControllerRevision: CONTROLLER is "<kind>.<group>/<name>" of the controller owner. */
function controllerCell(cr: ControllerRevision): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return "<none>";
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  return `${ref.kind.toLowerCase()}.${group}/${ref.name}`;
}

export const controllerRevisionPrinters: Record<string, Printer> = {
  controllerrevisions: {
    columns: [
      nameCol,
      col("Controller", "string", "Controller of the object"),
      col("Revision", "integer", "Revision indicates the revision of the state represented by Data."),
      ageCol,
    ],
    cells(o, now) {
      const cr = o as ControllerRevision;
      return [cr.metadata.name, controllerCell(cr), cr.revision, age(cr, now)];
    },
  },
};
