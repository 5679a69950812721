// Label and field selectors as the fake client filters lists and watches with them: the label
// grammar of Kubernetes (k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b)) and field selectors
// over dotted paths (metadata.name=x, spec.nodeName!=, status.phase=Running).

type Match = (obj: unknown) => boolean;

export function selectorMatcher(labelSelector?: string, fieldSelector?: string): Match {
  const tests = [...parseLabels(labelSelector ?? ""), ...parseFields(fieldSelector ?? "")];
  return (obj) => tests.every((t) => t(obj));
}

function labelsOf(obj: unknown): Record<string, string> {
  return ((obj as { metadata?: { labels?: Record<string, string> } }).metadata?.labels) ?? {};
}

function parseLabels(sel: string): Match[] {
  // Split on commas outside parentheses.
  const parts = sel.match(/([^,(]+(\([^)]*\))?)+/g) ?? [];
  return parts.map((raw) => {
    const p = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      const [, key, op, list] = m;
      const values = list!.split(",").map((v) => v.trim());
      return (o) => (op === "in" ? values.includes(labelsOf(o)[key!]!) : !values.includes(labelsOf(o)[key!]!));
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
    if (m) {
      const [, key, op, value] = m;
      return (o) => (op === "!=" ? labelsOf(o)[key!] !== value : labelsOf(o)[key!] === value);
    }
    if (p.startsWith("!")) return (o) => !(p.slice(1).trim() in labelsOf(o));
    if (/^[^\s=!]+$/.test(p)) return (o) => p in labelsOf(o);
    throw new Error(`fake: unparsable label selector ${JSON.stringify(sel)}`);
  });
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
