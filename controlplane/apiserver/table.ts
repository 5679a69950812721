// Server-side printing: `kubectl get` asks for a meta.k8s.io/v1 Table and prints its cells.
import type { KObject, ResourceType } from "../../api/resource";
import { printTable } from "../../api/printers";
import { customTable } from "./crd/printer";

export type IncludeObject = "None" | "Metadata" | "Object";

/** Does the Accept header ask for a Table (kubectl get)? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((p) => {
    const s = p.replace(/\s/g, "");
    return s.includes("as=Table") && s.includes("g=meta.k8s.io") && s.includes("v=v1") && !s.includes("v=v1beta1");
  });
}

export const TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";

function rowObject(obj: KObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  if (obj.metadata.managedFields === undefined) return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
}

export function toTable(
  rt: ResourceType,
  objects: KObject[],
  opts: { include: IncludeObject; listMeta?: Record<string, unknown>; withColumns?: boolean },
) {
  const printed = customTable(rt, objects) ?? printTable(rt, objects, {});
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.withColumns === false ? [] : printed.columnDefinitions,
    rows: printed.rows.map((r) => ({ cells: r.cells, object: rowObject(r.object, opts.include) })),
  };
}
