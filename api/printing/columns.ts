// The Table column vocabulary every printer shares: a column definition, the Name and Age
// columns as Kubernetes describes them, and what a printer is.
import type { Container, PodTemplateSpec } from "../core";
import type { KObject } from "../resource";
import { timestampSince } from "./duration";

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type Printer = { columns: ColumnDefinition[]; cells(obj: KObject, now: Date): unknown[] };

export const col = (name: string, type: string, description: string, extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
  name,
  type,
  format: "",
  description,
  priority: 0,
  ...extra,
});
export const wide = { priority: 1 };
export const nameCol = col(
  "Name",
  "string",
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  { format: "name" },
);
export const ageCol = col(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.",
);

export const age = (o: KObject, now: Date) => timestampSince(o.metadata.creationTimestamp, now);

/** The wide Containers and Images columns every workload printer has, and their cells. */
export const containersCol = col("Containers", "string", "Names of each container in the template.", wide);
export const imagesCol = col("Images", "string", "Images referenced by each container in the template.", wide);

export function containerCells(template: PodTemplateSpec | undefined): [string, string] {
  const containers: Container[] = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image ?? "").join(",")];
}
