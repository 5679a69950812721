// The zod schemas of quantities and int-or-string values, for the API types (the parser they
// check with is ./quantity, which stays free of zod).
import { z } from "zod";
import { isQuantity, quantityErrorMessage } from "./quantity";

/** A quantity as Kubernetes' OpenAPI v3 describes it: a string or a number. */
export const Quantity = z
  .union([
    z.string().refine((s) => isQuantity(s), { message: quantityErrorMessage }),
    z.number(),
  ])
  .meta({
    id: "io.k8s.apimachinery.pkg.api.resource.Quantity",
    description:
      'Quantity is a fixed-point representation of a number, e.g. "500m" (0.5 cpu), "128Mi" or "1Gi" (bytes).',
    "x-kubelab-kind": "quantity",
  });
export type Quantity = z.infer<typeof Quantity>;

/** An int or a string, e.g. a targetPort (8080 or "http") or maxSurge (1 or "25%"). */
export const IntOrString = z.union([z.number().int(), z.string()]).meta({
  id: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  description: "IntOrString is a type that can hold an int32 or a string.",
  "x-kubelab-kind": "int-or-string",
});
export type IntOrString = z.infer<typeof IntOrString>;

/** A map of resource names to quantities ("cpu": "500m", "memory": "128Mi"). */
export const ResourceList = z.record(z.string(), Quantity);
export type ResourceList = z.infer<typeof ResourceList>;
