// Label and field selectors as the fake client filters lists and watches with them: labels as the
// API server reads them (api/label-selector.ts), field selectors over dotted paths
// (metadata.name=x, spec.nodeName!=, status.phase=Running).
import { LabelSelectorSyntaxError, matchesLabels, parseLabelSelector } from "../api/label-selector";

type Match = (obj: unknown) => boolean;

export function selectorMatcher(labelSelector?: string, fieldSelector?: string): Match {
  const tests = [...parseLabels(labelSelector ?? ""), ...parseFields(fieldSelector ?? "")];
  return (obj) => tests.every((t) => t(obj));
}

function parseLabels(sel: string): Match[] {
  let reqs;
  try {
    reqs = parseLabelSelector(sel);
  } catch (e) {
    if (e instanceof LabelSelectorSyntaxError) throw new Error(`fake: unparsable label selector ${JSON.stringify(sel)}: ${e.message}`);
    throw e;
  }
  return [(o) => matchesLabels(reqs, (o as { metadata?: { labels?: Record<string, string> } }).metadata?.labels)];
}

function parseFields(sel: string): Match[] {
  return sel.split(",").filter((s) => s.trim()).map((raw) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw.trim());
    if (!m) throw new Error(`fake: unparsable field selector ${JSON.stringify(sel)}`);
    const [, path, op, value] = m;
    return (o) => {
      let cur: unknown = o;
      for (const k of path!.split(".")) cur = (cur as Record<string, unknown> | undefined)?.[k];
      const actual = cur === undefined || cur === null ? "" : String(cur);
      return op === "!=" ? actual !== value : actual === value;
    };
  });
}
