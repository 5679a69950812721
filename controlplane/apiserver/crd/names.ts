// Whether a CRD's names may be served (apiextensions' naming controller, pure): within one group
// the plural, singular, kind, listKind and short names of a resource belong to whoever had them
// first (built-in kinds, then CRDs by creation time); a CRD asking for one taken is refused.
import type { CustomResourceDefinition, CustomResourceDefinitionNames } from "../../../api/apiextensions";
import type { ResourceType } from "../../../api/resource";
import { compareStrings } from "../../../api/order";

export interface NamesVerdict {
  accepted: boolean;
  reason: string;
  message: string;
}

type Names = { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[] };

const accepted: NamesVerdict = { accepted: true, reason: "NoConflicts", message: "no conflicts found" };

/** Older first: creationTimestamp, then name (what "had it first" means). */
export function byAge(a: CustomResourceDefinition, b: CustomResourceDefinition): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  return ta < tb ? -1 : ta > tb ? 1 : compareStrings(a.metadata.name ?? "", b.metadata.name ?? "");
}

/** The verdict on crd's names, given the CRDs accepted before it and the built-in kinds. */
export function judgeNames(crd: CustomResourceDefinition, earlier: CustomResourceDefinition[], builtin: readonly ResourceType[]): NamesVerdict {
  const group = crd.spec.group;
  const mine = crd.spec.names;
  const taken: Names[] = [
    ...builtin.filter((t) => t.group === group).map((t) => ({ plural: t.plural, singular: t.singular, kind: t.kind, listKind: t.listKind, shortNames: t.shortNames })),
    ...earlier.filter((c) => c.spec.group === group && c.metadata.name !== crd.metadata.name).map((c) => c.spec.names as Names),
  ];
  for (const other of taken) {
    const conflict = conflictOf(mine, other);
    if (conflict) return { accepted: false, reason: conflict.reason, message: conflict.message };
  }
  return accepted;
}

function conflictOf(mine: CustomResourceDefinitionNames, other: Names): { reason: string; message: string } | undefined {
  const resourceNames = new Set([other.plural, other.singular, ...(other.shortNames ?? [])].filter(Boolean));
  for (const n of [mine.plural, mine.singular, ...(mine.shortNames ?? [])]) {
    if (n && resourceNames.has(n)) return { reason: n === mine.plural ? "PluralConflict" : n === mine.singular ? "SingularConflict" : "ShortNamesConflict", message: `"${n}" is already in use` };
  }
  const kinds = new Set([other.kind, other.listKind ?? `${other.kind}List`]);
  for (const k of [mine.kind, mine.listKind ?? `${mine.kind}List`]) {
    if (kinds.has(k)) return { reason: k === mine.kind ? "KindConflict" : "ListKindConflict", message: `"${k}" is already in use` };
  }
  return undefined;
}
