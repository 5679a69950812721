// Does one set of rules cover another (Kubernetes' rbac/validation policy_comparator.go)? The
// requested rules are broken down into one verb on one resource (or URL) each, and each piece
// must be covered by some owner rule. Escalation prevention and the bootstrap reconciler use it.
import type { PolicyRule } from "../../../api/rbac";

const hasAll = (set: readonly string[] | undefined, want: readonly string[] | undefined) => (want ?? []).every((w) => set?.includes(w));
const has = (set: readonly string[] | undefined, v: string) => set?.includes(v) ?? false;

/** One rule per verb × group × resource × name (or verb × URL). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
    }
    for (const u of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [u] });
  }
  return out;
}

function resourceCoversAll(set: readonly string[] | undefined, want: readonly string[] | undefined): boolean {
  if (has(set, "*")) return true;
  return (want ?? []).every((w) => {
    if (has(set, w)) return true;
    const slash = w.indexOf("/");
    return slash >= 0 && has(set, `*${w.slice(slash)}`);
  });
}

function urlCovers(owner: string, want: string): boolean {
  if (owner === want) return true;
  return owner.endsWith("*") && want.startsWith(owner.slice(0, -1));
}

const urlsCoverAll = (set: readonly string[] | undefined, want: readonly string[] | undefined) =>
  (want ?? []).every((w) => (set ?? []).some((o) => urlCovers(o, w)));

export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, "*") || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, "*") || hasAll(owner.apiGroups, sub.apiGroups);
  const names = !owner.resourceNames?.length || (!!sub.resourceNames?.length && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && resourceCoversAll(owner.resources, sub.resources) && names && urlsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
}

/** The pieces of `requested` that no owner rule covers ([] when owner covers them all). */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of requested) for (const piece of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return missing;
}

const q = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;

/** A rule as PolicyRule.CompactString prints it: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}. */
export function compactRule(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

export const quoteList = q;
