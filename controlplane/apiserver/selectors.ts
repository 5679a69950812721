// Label selectors (equality- and set-based, as `kubectl get -l` sends them) and field selectors.
import { LabelSelectorSyntaxError, parseLabelSelector as parseLabels, type LabelSelector } from "../../api/label-selector";
import { badRequest } from "./errors";

export type { LabelRequirement, LabelSelector } from "../../api/label-selector";
export { matchesLabels } from "../../api/label-selector";

/** Parse "app=nginx,tier!=db,env in (a,b),!legacy,release"; a malformed one is 400 BadRequest. */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  try {
    return parseLabels(text);
  } catch (e) {
    if (e instanceof LabelSelectorSyntaxError) throw badRequest(e.message);
    throw e;
  }
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Parse "metadata.name=x,spec.nodeName!=" ; `supported` lists the fields this resource allows. */
export function parseFieldSelector(
  text: string | undefined | null,
  supported: (field: string) => boolean,
): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  const out: FieldRequirement[] = [];
  for (const part of text.split(",")) {
    const s = part.trim();
    if (!s) continue;
    const m = s.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${s}'`);
    const field = m[1].trim();
    if (!supported(field)) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === "!=" ? "!=" : "=", value: m[3].trim() });
  }
  return out;
}

export function matchesFields(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? "";
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}
