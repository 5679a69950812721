// Rulesets to nft text. Two outputs, both pure:
// - renderTable: the whole table, `table ip T { ... }` (the golden text the tests compare, and the
//   body of a full replacement);
// - updateBatch: the transaction that turns what is in the kernel (the ruleset applied last) into
//   the new one. Without a previous ruleset it replaces the table whole (`add table; delete table;
//   table {...}` in one `nft -f`, atomic); with one it redeclares only objects whose text changed
//   and deletes the ones that went, as kube-proxy's nftables mode does, so one endpoint change is
//   a transaction of a few lines even with 10,000 endpoints programmed. Empty string: nothing to do.
//   A map's or set's spec is fixed for its name: renderers put what may change (an affinity
//   timeout) in the name, so a changed spec is a new object and the old one goes.
import type { NftObject, Ruleset } from "./model";

const indent = (lines: string[], pad: string): string => lines.map((l) => `${pad}${l}\n`).join("");

function declareBody(o: NftObject): string[] {
  if (o.kind === "chain") return [...(o.spec ? [o.spec] : []), ...o.items];
  const lines = o.spec.split(/;\s*/).filter(Boolean).map((s) => `${s};`);
  if (o.items.length > 0) lines.push(`elements = { ${o.items.join(",\n\t\t")} }`);
  return lines;
}

/** The whole table as nft reads it (`nft -f`). */
export function renderTable(rs: Ruleset): string {
  const objects = rs.objects.map((o) => `\t${o.kind} ${o.name} {\n${indent(declareBody(o), "\t\t")}\t}\n`).join("");
  return `table ip ${rs.table} {\n${objects}}\n`;
}

/** Objects by kind and name. Keyed by the name strings themselves (no new key strings): with an
 *  unchanged Service's objects reused, their names' hashes are computed once, not per sync. */
type Index = Record<NftObject["kind"], Map<string, NftObject>>;
function indexOf(objects: readonly NftObject[]): Index {
  const ix: Index = { chain: new Map(), map: new Map(), set: new Map() };
  for (const o of objects) ix[o.kind].set(o.name, o);
  return ix;
}
const same = (a: NftObject, b: NftObject): boolean => a === b || (a.spec === b.spec && a.items.length === b.items.length && a.items.every((x, i) => x === b.items[i]));

function declare(table: string, o: NftObject): string {
  return o.kind === "chain" && !o.spec ? `add chain ip ${table} ${o.name}\n` : `add ${o.kind} ip ${table} ${o.name} { ${o.spec} }\n`;
}

function fill(table: string, o: NftObject): string {
  if (o.kind === "chain") return `flush chain ip ${table} ${o.name}\n` + o.items.map((r) => `add rule ip ${table} ${o.name} ${r}\n`).join("");
  if (o.kernelFilled) return "";
  return `flush ${o.kind} ip ${table} ${o.name}\n` + (o.items.length ? `add element ip ${table} ${o.name} { ${o.items.join(", ")} }\n` : "");
}

/** The transaction from `prev` (what the kernel has) to `next`; "" when they are the same. */
export function updateBatch(prev: Ruleset | undefined, next: Ruleset): string {
  if (!prev || prev.table !== next.table) return `add table ip ${next.table}\ndelete table ip ${next.table}\n${renderTable(next)}`;
  const before = indexOf(prev.objects);
  const after = indexOf(next.objects);
  const changed = next.objects.filter((o) => {
    const old = before[o.kind].get(o.name);
    return !old || !same(old, o);
  });
  const gone = prev.objects.filter((o) => !after[o.kind].has(o.name));
  if (changed.length === 0 && gone.length === 0) return "";
  // Declarations first (a rule may jump to a chain or name a set declared in this batch), then
  // contents, then what went.
  let out = changed.filter((o) => !before[o.kind].has(o.name) || o.kind === "chain").map((o) => declare(next.table, o)).join("");
  out += changed.map((o) => fill(next.table, o)).join("");
  // Chains and verdict maps refer to each other: empty both, then delete maps and sets, then chains.
  out += gone.filter((o) => o.kind !== "set").map((o) => `flush ${o.kind} ip ${next.table} ${o.name}\n`).join("");
  out += gone.filter((o) => o.kind !== "chain").map((o) => `delete ${o.kind} ip ${next.table} ${o.name}\n`).join("");
  out += gone.filter((o) => o.kind === "chain").map((o) => `delete chain ip ${next.table} ${o.name}\n`).join("");
  return out;
}
