// Patch targets (kustomize's types.Selector): group, version, kind, name and namespace as
// anchored regular expressions, labelSelector and annotationSelector as "k=v,k2!=v,k3" lists.
import { KustomizeError } from "./errors";
import { groupOf, isMap, versionOf, type Resource } from "./resource";

export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

const FIELDS = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"];

export function parseSelector(v: unknown, file: string, line: number | undefined): Selector {
  if (!isMap(v)) throw new KustomizeError(file, line, "InvalidPatchTarget", "target must be a map");
  for (const k of Object.keys(v)) if (!FIELDS.includes(k)) throw new KustomizeError(file, line, "InvalidPatchTarget", `unknown field "${k}" in the patch target`);
  for (const k of ["group", "version", "kind", "name", "namespace"]) {
    if (typeof v[k] === "string") {
      try {
        new RegExp(`^(?:${v[k] as string})$`);
      } catch {
        throw new KustomizeError(file, line, "InvalidPatchTarget", `target ${k} ${JSON.stringify(v[k])} is not a valid regular expression`);
      }
    }
  }
  return v as Selector;
}

const rx = (pattern: string | undefined, value: string) => pattern === undefined || pattern === "" || new RegExp(`^(?:${pattern})$`).test(value);

function matchesSet(selector: string | undefined, set: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  const have = set ?? {};
  return selector.split(",").map((s) => s.trim()).filter(Boolean).every((req) => {
    const ne = req.match(/^([^!=]+)!=(.*)$/);
    if (ne) return have[ne[1]!.trim()] !== ne[2]!.trim();
    const eq = req.match(/^([^=]+)==?(.*)$/);
    if (eq) return have[eq[1]!.trim()] === eq[2]!.trim();
    if (req.startsWith("!")) return !(req.slice(1) in have);
    return req in have;
  });
}

export function selects(s: Selector, r: Resource): boolean {
  const o = r.object;
  const name = rx(s.name, o.metadata.name) || (s.name !== undefined && rx(s.name, r.origName));
  return rx(s.group, groupOf(o.apiVersion)) && rx(s.version, versionOf(o.apiVersion)) && rx(s.kind, o.kind) && name
    // kustomize matches an object without a namespace as being in "default".
    && rx(s.namespace, o.metadata.namespace ?? "default") && matchesSet(s.labelSelector, o.metadata.labels) && matchesSet(s.annotationSelector, o.metadata.annotations);
}
