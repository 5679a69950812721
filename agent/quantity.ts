// Kubernetes resource quantities ("500m", "128Mi", "1Gi", "2", "1e3") as numbers: cpu in cores,
// memory in bytes. The agent's own small parser, so the worker bundle does not carry the API
// schemas (zod) just for this.
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(q.trim());
  if (!match) throw new Error(`invalid quantity "${q}"`);
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  return suffix in SUFFIX ? value * SUFFIX[suffix]! : value * 10 ** Number(suffix.slice(1));
}
