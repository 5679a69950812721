// Kubernetes resource quantities ("500m", "128Mi", "1Gi", "2", "1e3") and int-or-string values.
import { z } from "zod";

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// Sign, a decimal number, then a binary suffix, a decimal suffix or a decimal exponent.
const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export const quantityErrorMessage =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Is q a well-formed Kubernetes quantity? */
export function isQuantity(q: string | number): boolean {
  if (typeof q === "number") return Number.isFinite(q);
  return quantityPattern.test(q);
}

/**
 * The numeric value of a quantity: cpu in cores ("500m" is 0.5), memory in bytes ("1Gi" is
 * 1073741824). Throws on a malformed quantity.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") {
    if (!Number.isFinite(q)) throw new Error(`invalid quantity: ${q}`);
    return q;
  }
  const match = quantityPattern.exec(q.trim());
  if (!match) throw new Error(`invalid quantity "${q}": ${quantityErrorMessage}`);
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  if (suffix in binarySuffixes) return value * binarySuffixes[suffix]!;
  if (suffix in decimalSuffixes) return value * decimalSuffixes[suffix]!;
  return value * 10 ** Number(suffix.slice(1));
}

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

/**
 * Resolve an int-or-percent against a total, as Kubernetes' GetScaledValueFromIntOrPercent does
 * (roundUp for maxSurge, round down for maxUnavailable).
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}
