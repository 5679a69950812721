// Kubernetes resource quantities ("500m", "128Mi", "1Gi", "2", "1e3") and int-or-string values,
// as numbers: cpu in cores, memory in bytes. The one parser in kubelab; it has no dependency (the
// zod schemas are in ./quantity-schema), so the agent and the scheduler import it at no cost.
// Grammar (k8s.io/apimachinery/pkg/api/resource):
//   <quantity> ::= <sign>? <number> <suffix>     <number> ::= digits | digits.digits | digits. | .digits
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | n | u | m | "" | k | M | G | T | P | E | (e|E) <sign>? digits
// No whitespace anywhere, as ParseQuantity has it.

const multiplier: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export const quantityErrorMessage =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Is q a well-formed Kubernetes quantity? */
export function isQuantity(q: string | number): boolean {
  if (typeof q === "number") return Number.isFinite(q);
  const match = quantityPattern.exec(q);
  return match !== null && Number.isFinite(parseMatched(match));
}

function parseMatched(match: RegExpExecArray): number {
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  const m = multiplier[suffix];
  return m !== undefined ? value * m : value * 10 ** Number(suffix.slice(1));
}

/**
 * The numeric value of a quantity: cpu in cores ("500m" is 0.5), memory in bytes ("1Gi" is
 * 1073741824). Throws on a malformed quantity and on one too large for a number ("1e999").
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") {
    if (!Number.isFinite(q)) throw new Error(`invalid quantity: ${q}`);
    return q;
  }
  const match = quantityPattern.exec(q);
  const value = match ? parseMatched(match) : NaN;
  if (!match) throw new Error(`invalid quantity ${JSON.stringify(q)}: ${quantityErrorMessage}`);
  if (!Number.isFinite(value)) throw new Error(`invalid quantity ${JSON.stringify(q)}: too large`);
  return value;
}

/** An int or a string, e.g. a targetPort (8080 or "http") or maxSurge (1 or "25%"). */
export type IntOrString = number | string;

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
