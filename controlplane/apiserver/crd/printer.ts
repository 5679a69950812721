// Server-side Tables of custom resources (apiextensions' tableconvertor): the Name column, then
// the version's additionalPrinterColumns (an Age column when it has none), each cell its
// JSONPath's value; date columns print as ages, as Kubernetes does. CRDs themselves print
// Name and Created At, as `kubectl get crds` shows them.
import type { CustomResourceColumnDefinition } from "../../../api/apiextensions";
import { timestampSince, type ColumnDefinition, type PrintedTable } from "../../../api/printers";
import type { KObject, ResourceType } from "../../../api/resource";
import { conversionOf, convertOut } from "./conversion";
import { customInfo } from "./custom-type";
import { findValues } from "./jsonpath";

const nameColumn: ColumnDefinition = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

const ageColumn: CustomResourceColumnDefinition = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", priority: 0 };

function cell(obj: KObject, c: CustomResourceColumnDefinition, now: Date): unknown {
  const values = findValues(obj, c.jsonPath);
  if (values.length === 0) return null;
  const v = values.length === 1 ? values[0] : values.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(",");
  switch (c.type) {
    case "date":
      return typeof v === "string" ? timestampSince(v, now) : v;
    case "integer":
    case "number":
    case "boolean":
      return typeof v === "object" ? JSON.stringify(v) : v;
    default:
      return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  }
}

function tableOf(columns: CustomResourceColumnDefinition[], objects: KObject[], now: Date): PrintedTable {
  return {
    columnDefinitions: [
      nameColumn,
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    ],
    rows: objects.map((object) => ({ cells: [object.metadata.name, ...columns.map((c) => cell(object, c, now))], object })),
  };
}

/** The Table of custom resources (or CRDs); undefined for every other kind. */
export function customTable(rt: ResourceType, objects: KObject[], now = new Date()): PrintedTable | undefined {
  const info = customInfo(rt);
  if (info) {
    // Cells are read from the objects as they are served (defaults of the schema filled in).
    const c = conversionOf(rt);
    if (c) for (const o of objects) convertOut(c, o);
    const columns = info.version.additionalPrinterColumns?.length ? info.version.additionalPrinterColumns : [ageColumn];
    return tableOf(columns, objects, now);
  }
  if (rt.group === "apiextensions.k8s.io" && rt.kind === "CustomResourceDefinition") {
    // Kubernetes prints a CRD's creation time as the timestamp itself, not as an age.
    return tableOf([{ name: "Created At", type: "string", format: "date-time", jsonPath: ".metadata.creationTimestamp", description: "The time the CRD was created." }], objects, now);
  }
  return undefined;
}
