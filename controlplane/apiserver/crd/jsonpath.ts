// The JSONPath of additionalPrinterColumns (Kubernetes' client-go jsonpath, the subset CRDs use):
// `.spec.replicas`, `.metadata.labels['app.kubernetes.io/name']`, `.items[0]`, `.items[*].name`,
// `.status.conditions[?(@.type=="Ready")].status`. A path that does not parse finds nothing.

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: "==" | "!="; value: string } };

const cache = new Map<string, Step[] | null>();

function parse(path: string): Step[] | null {
  const steps: Step[] = [];
  let s = path.trim().replace(/^\{|\}$/g, "").trim();
  if (s.startsWith("$")) s = s.slice(1);
  let i = 0;
  while (i < s.length) {
    if (s[i] === ".") {
      const m = /^\.([A-Za-z0-9_\-$]+)/.exec(s.slice(i));
      if (!m) return null;
      steps.push({ field: m[1] });
      i += m[0].length;
    } else if (s[i] === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) return null;
      const inner = s.slice(i + 1, end).trim();
      const step = bracket(inner);
      if (!step) return null;
      steps.push(step);
      i = end + 1;
    } else return null;
  }
  return steps;
}

function bracket(inner: string): Step | null {
  if (inner === "*") return { all: true };
  if (/^-?\d+$/.test(inner)) return { index: Number(inner) };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted) return { field: quoted[2] };
  const f = /^\?\(@((?:\.[A-Za-z0-9_\-$]+)+)\s*(==|!=)\s*(['"])(.*)\3\)$/.exec(inner);
  if (f) return { filter: { path: f[1].slice(1).split("."), op: f[2] as "==" | "!=", value: f[4] } };
  return null;
}

function child(v: unknown, key: string): unknown {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

/** Every value the path finds in obj (none when it does not parse or finds nothing). */
export function findValues(obj: unknown, path: string): unknown[] {
  let steps = cache.get(path);
  if (steps === undefined) cache.set(path, (steps = parse(path)));
  if (!steps) return [];
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if ("field" in step) next.push(child(v, step.field));
      else if ("index" in step) Array.isArray(v) && next.push(v[step.index < 0 ? v.length + step.index : step.index]);
      else if ("all" in step) Array.isArray(v) ? next.push(...v) : v && typeof v === "object" && next.push(...Object.values(v));
      else if (Array.isArray(v)) {
        const { path: p, op, value } = step.filter;
        for (const item of v) {
          const got = p.reduce<unknown>((acc, k) => child(acc, k), item);
          if ((String(got) === value) === (op === "==") && got !== undefined) next.push(item);
        }
      }
    }
    current = next.filter((v) => v !== undefined);
  }
  return current;
}

/** Is this a path findValues can evaluate? */
export function isSupportedPath(path: string): boolean {
  return parse(path) !== null;
}
