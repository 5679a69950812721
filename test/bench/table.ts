// Benchmark rows and the table `npm run bench` prints.
import { readFileSync } from "node:fs";
export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  target: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

/** A field of /proc/<pid>/status in MB (NaN once the process is gone). */
function statusMb(pid: number, field: "VmRSS" | "RssFile"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8") as string;
    const m = status.match(new RegExp(`${field}:\\s+(\\d+) kB`));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function rssMb(pid: number): number {
  return statusMb(pid, "VmRSS");
}

/** Resident memory backed by files: the node binary's code pages (shared with every node process) and mapped files. */
export function rssFileMb(pid: number): number {
  return statusMb(pid, "RssFile");
}

export function printTable(title: string, rows: BenchRow[]): void {
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const cells = rows.map((r) => [r.metric, `${fmt(r.value)} ${r.unit}`, r.target]);
  const widths = [0, 1, 2].map((i) => Math.max(["metric", "measured", "target"][i].length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${title}`);
  console.log(line(["metric", "measured", "target"]));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}
