// The executor: applies a node's Ruleset with `nft -f -` (one transaction, so a rule set is
// either all in or not at all) and only when it changed; tears the table down. The decisions
// (what text to send) are render.ts's; this module only runs nft and remembers what the kernel
// has, so the next change can be a small update. After a failed transaction it forgets that, and
// the next apply replaces the table whole.
import { spawn } from "node:child_process";
import type { Ruleset } from "./model";
import { TABLE_PREFIX, tableName } from "./model";
import { updateBatch } from "./render";

/** Runs one nft script (stdin of `nft -f -`), or `nft <args>` when args are given; resolves stdout. */
export type Nft = (script: string, args?: string[]) => Promise<string>;

/** nft on this host; `prefix` runs it elsewhere, e.g. ["ip", "netns", "exec", "ns1"] in tests. */
export function nftCommand(prefix: string[] = []): Nft {
  return (script, args) =>
    new Promise((resolve, reject) => {
      const argv = [...prefix, "nft", ...(args ?? ["-f", "-"])];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", (e) => reject(new Error(`cannot run nft: ${e.message}`)));
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`nft exited with ${code}: ${err.trim().slice(0, 2000)}`))));
      child.stdin.on("error", () => undefined);
      child.stdin.end(script);
    });
}

export interface ApplyResult {
  /** False when the rendered ruleset was what the kernel already had (nothing was run). */
  changed: boolean;
  /** Lines of the transaction sent. */
  lines: number;
}

export class TableWriter {
  private applied?: Ruleset;

  constructor(private readonly nft: Nft) {}

  async apply(next: Ruleset): Promise<ApplyResult> {
    const batch = updateBatch(this.applied, next);
    if (!batch) return { changed: false, lines: 0 };
    this.applied = undefined;
    await this.nft(batch);
    this.applied = next;
    return { changed: true, lines: batch.split("\n").length - 1 };
  }

  /** Forget what was applied: the next apply replaces the table whole. */
  reset(): void {
    this.applied = undefined;
  }
}

/** Deletes one node's table (nothing when it is not there). */
export async function deleteNodeTable(nft: Nft, nodeName: string): Promise<boolean> {
  const name = tableName(nodeName);
  const tables = await listKubelabTables(nft);
  if (!tables.includes(name)) return false;
  await nft(`delete table ip ${name}\n`);
  return true;
}

/** The kubelab tables in this netfilter (`table ip kubelab-…`). */
export async function listKubelabTables(nft: Nft): Promise<string[]> {
  const out = await nft("", ["list", "tables", "ip"]);
  return out
    .split("\n")
    .map((l) => l.trim().match(/^table ip (\S+)$/)?.[1])
    .filter((t): t is string => t !== undefined && t.startsWith(TABLE_PREFIX));
}

/**
 * Deletes the tables of other nodes that act on this pod CIDR: no two live nodes share one, so
 * such a table is left from a node that is gone (a lab or test agent stopped without `lab down`),
 * and its rules would catch this node's pods' traffic. Returns the tables deleted.
 */
export async function deleteStaleTables(nft: Nft, own: string, podCIDR: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const table of await listKubelabTables(nft)) {
    if (table === own) continue;
    const chain = await nft("", ["list", "chain", "ip", table, "nat-prerouting"]).catch(() => "");
    if (!chain.includes(`ip saddr ${podCIDR} `)) continue;
    await nft(`delete table ip ${table}\n`).catch(() => undefined); // gone meanwhile
    deleted.push(table);
  }
  return deleted;
}

/** `lab down`: removes the tables of these nodes; returns how many there were. Never throws for a
 *  machine without nft (there is then nothing to remove). */
export async function teardownNodeTables(nodeNames: readonly string[], nft: Nft = nftCommand()): Promise<number> {
  let removed = 0;
  for (const node of nodeNames) {
    try {
      if (await deleteNodeTable(nft, node)) removed++;
    } catch {
      return removed;
    }
  }
  return removed;
}
