// Reads a V8 .cpuprofile (node --cpu-prof) and sums it as text: self time by function and by
// file or package, inclusive time by function, and a flame-graph-like tree under one function.
// Only the samples inside a time window count (the load, not the start-up), and times can be
// divided by a count of operations. Samples are wall time of the profiled thread: on a loaded
// machine read the shares, not the milliseconds.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

export interface SummaryOptions {
  /** Rows per table. */
  top?: number;
  /** Only samples in [from, to] (µs, the profile's own clock, which is process.hrtime's). */
  window?: [number, number];
  /** Operations in the window: each row also shows µs per operation. */
  operations?: number;
  /** A function name: print the tree of what it calls, aggregated by callee. */
  tree?: string;
  treeDepth?: number;
  /** Tree rows under this share (%) are left out. */
  treeMinPercent?: number;
}

function label(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^file:\/\//, "").replace(/.*\/node_modules\//, "nm:").replace(/^\/work\/[^/]+\//, "");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}`.trim();
}

function fileOf(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^file:\/\//, "").replace(/^\/work\/[^/]+\//, "");
  const pkg = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  return pkg ? `nm:${pkg[1]}` : url || n.callFrame.functionName;
}

/** The summary as lines of text. */
export function summarize(prof: CpuProfile, o: SummaryOptions = {}): string[] {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const [from, to] = o.window ?? [0, Infinity];
  const self = new Map<number, number>();
  let ts = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    ts += dt;
    if (ts >= from && ts <= to) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  let total = 0;
  for (const t of self.values()) total += t;
  const row = (us: number, what: string) => {
    const per = o.operations ? ` ${(us / o.operations).toFixed(1).padStart(7)} µs/op` : "";
    return `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%${per}  ${what}`;
  };
  const table = (title: string, m: Map<string, number>): string[] => [
    "",
    `== ${title}`,
    ...[...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, o.top ?? 30).map(([what, us]) => row(us, what)),
  ];
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  const selfByFn = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    add(selfByFn, label(n), us);
    add(selfByFile, fileOf(n), us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (!seen.has(l)) add(inclusive, l, us);
      seen.add(l);
    }
  }
  const lines = [`sampled ${(total / 1000).toFixed(0)} ms in the window`];
  lines.push(...table("self time by function", selfByFn), ...table("self time by file or package", selfByFile), ...table("inclusive time by function", inclusive));
  if (o.tree) lines.push("", `== what ${o.tree} calls (inclusive, by callee)`, ...tree(prof, byId, self, o.tree, o.treeDepth ?? 5, ((o.treeMinPercent ?? 0.5) * total) / 100, row));
  return lines;
}

interface Agg {
  us: number;
  kids: Map<string, Agg>;
}

function tree(prof: CpuProfile, byId: Map<number, ProfileNode>, self: Map<number, number>, name: string, depth: number, minUs: number, row: (us: number, what: string) => string): string[] {
  const inclusive = new Map<number, number>();
  const incl = (id: number): number => {
    let us = inclusive.get(id);
    if (us === undefined) {
      us = self.get(id) ?? 0;
      for (const c of byId.get(id)!.children ?? []) us += incl(c);
      inclusive.set(id, us);
    }
    return us;
  };
  const root: Agg = { us: 0, kids: new Map() };
  const gather = (agg: Agg, id: number, d: number) => {
    agg.us += incl(id);
    if (d >= depth) return;
    for (const c of byId.get(id)!.children ?? []) {
      const l = label(byId.get(c)!);
      let k = agg.kids.get(l);
      if (!k) agg.kids.set(l, (k = { us: 0, kids: new Map() }));
      gather(k, c, d + 1);
    }
  };
  // The outermost calls of `name` (a recursive call is counted once, inside its caller).
  const visit = (id: number, inside: boolean) => {
    const n = byId.get(id)!;
    const hit = n.callFrame.functionName === name;
    if (hit && !inside) gather(root, id, 0);
    for (const c of n.children ?? []) visit(c, inside || hit);
  };
  visit(prof.nodes[0].id, false);
  const out: string[] = [];
  const print = (agg: Agg, what: string, indent: string) => {
    if (agg.us < minUs) return;
    out.push(row(agg.us, indent + what));
    for (const [l, k] of [...agg.kids.entries()].sort((a, b) => b[1].us - a[1].us)) print(k, l, indent + "  ");
  };
  print(root, name, "");
  return out;
}
