// Label selectors in their text form, as `kubectl get -l` sends them and a scale's status.selector
// holds them (Kubernetes' labels.Parse): equality- and set-based requirements, and matching a
// set of labels against them, and a LabelSelector object (matchLabels, matchExpressions) through
// the same matcher. One definition for the API server, the controllers, the agent and the fake
// client; each says in its own words what a malformed selector means to its caller. No schemas
// here and no imports: the agent uses this without loading zod.

/** A selector that does not parse; the message is Kubernetes'. */
export class LabelSelectorSyntaxError extends Error {}

export type LabelRequirement =
  | { key: string; op: "=" | "!="; values: [string] }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!" };

export type LabelSelector = LabelRequirement[];

/** Parse "app=nginx,tier!=db,env in (a,b),!legacy,release". */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  if (!text || !text.trim()) return [];
  const reqs: LabelSelector = [];
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    if (!s) continue;
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^!\s*([^\s=!(),]+)$/))) reqs.push({ key: m[1], op: "!" });
    else if ((m = s.match(/^([^\s=!(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3].split(",").map((v) => v.trim()).filter((v) => v !== "");
      reqs.push({ key: m[1], op: m[2] as "in" | "notin", values });
    } else if ((m = s.match(/^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/))) {
      reqs.push({ key: m[1], op: m[2] === "!=" ? "!=" : "=", values: [m[3]] });
    } else if ((m = s.match(/^([^\s=!(),]+)$/))) reqs.push({ key: m[1], op: "exists" });
    else throw new LabelSelectorSyntaxError(`unable to parse requirement: ${JSON.stringify(s)}`);
  }
  return reqs;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        if (!has || v !== r.values[0]) return false;
        break;
      case "!=":
        if (has && v === r.values[0]) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** What selectorMatches reads of a metav1.LabelSelector (its schema and type: meta.ts's LabelSelector). */
export interface LabelSelectorFields {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * Does a LabelSelector match these labels? As Kubernetes' LabelSelectorAsSelector: matchLabels and
 * matchExpressions (In, NotIn, Exists, DoesNotExist) become requirements of the one text-form
 * matcher above; an unknown operator matches nothing.
 */
export function selectorMatches(selector: LabelSelectorFields | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const reqs: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, op: "=", values: [v] }));
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    if (req.operator === "In") reqs.push({ key: req.key, op: "in", values });
    else if (req.operator === "NotIn") reqs.push({ key: req.key, op: "notin", values });
    else if (req.operator === "Exists") reqs.push({ key: req.key, op: "exists" });
    else if (req.operator === "DoesNotExist") reqs.push({ key: req.key, op: "!" });
    else return false;
  }
  return matchesLabels(reqs, labels);
}
