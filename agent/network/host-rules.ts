// The host's filter and NAT rules for one node's pod network, for machines where several nodes'
// bridges share one kernel (the local lab) or where Docker's own rules would get in the way:
//   filter DOCKER-USER: accept <podCIDR> -> <clusterCIDR> and <clusterCIDR> -> <podCIDR>, before
//     Docker's DOCKER-ISOLATION chains drop traffic between its bridge networks;
//   nat POSTROUTING: masquerade <podCIDR> -> anything outside <clusterCIDR> (the node's bridge is
//     created without Docker's masquerade, which would also rewrite pod-to-pod traffic).
// Every rule carries the comment "kubelab:<node>", so one node's rules are found, kept or removed
// without touching another node's. Changes go in one `iptables-restore --noflush` batch, and only
// when the rules differ from what is there. planRules decides (pure); ensure/remove do.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface HostRuleSpec {
  node: string;
  podCIDR: string;
  clusterCIDR: string;
}

type Table = "filter" | "nat";

/** One rule as iptables-save prints it (the comment unquoted): table, chain and the rest. */
export interface HostRule {
  table: Table;
  chain: string;
  spec: string;
}

export const ruleComment = (node: string): string => `kubelab:${node}`;

export function desiredRules(s: HostRuleSpec): HostRule[] {
  const tag = `-m comment --comment ${ruleComment(s.node)}`;
  return [
    { table: "filter", chain: "DOCKER-USER", spec: `-s ${s.podCIDR} -d ${s.clusterCIDR} ${tag} -j ACCEPT` },
    { table: "filter", chain: "DOCKER-USER", spec: `-s ${s.clusterCIDR} -d ${s.podCIDR} ${tag} -j ACCEPT` },
    { table: "nat", chain: "POSTROUTING", spec: `-s ${s.podCIDR} ! -d ${s.clusterCIDR} ${tag} -j MASQUERADE` },
  ];
}

/** The rules of iptables-save output that carry the node's comment. */
export function rulesOf(saved: string, node: string): HostRule[] {
  const tag = `--comment ${ruleComment(node)} `;
  const out: HostRule[] = [];
  let table: Table | undefined;
  for (const raw of saved.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) table = line === "*filter" ? "filter" : line === "*nat" ? "nat" : undefined;
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (!table || !m) continue;
    const spec = m[2]!.replace(/--comment "([^"]*)"/, "--comment $1");
    if (`${spec} `.includes(tag)) out.push({ table, chain: m[1]!, spec });
  }
  return out;
}

/**
 * The iptables-restore input that turns `current` into `desired` (undefined: nothing to do). Ours
 * are inserted first in their chain, so they act before Docker's rules (DOCKER-USER ends in RETURN).
 */
export function planRules(current: HostRule[], desired: HostRule[]): string | undefined {
  const key = (r: HostRule) => `${r.table} ${r.chain} ${r.spec}`;
  const same = current.length === desired.length && current.every((r, i) => key(r) === key(desired[i]!));
  if (same) return undefined;
  const lines: string[] = [];
  for (const table of ["filter", "nat"] as const) {
    const del = current.filter((r) => r.table === table);
    const add = desired.filter((r) => r.table === table);
    if (!del.length && !add.length) continue;
    lines.push(`*${table}`);
    for (const r of del) lines.push(`-D ${r.chain} ${quoteComment(r.spec)}`);
    // Inserted in reverse at position 1: they end up first, in desired order.
    for (const r of [...add].reverse()) lines.push(`-I ${r.chain} 1 ${quoteComment(r.spec)}`);
    lines.push("COMMIT");
  }
  return `${lines.join("\n")}\n`;
}

const quoteComment = (spec: string) => spec.replace(/--comment (\S+)/, '--comment "$1"');

async function save(): Promise<string> {
  try {
    const { stdout } = await run("iptables-save", [], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    throw Object.assign(new Error("iptables-save is not installed: the pod network's host rules (--cluster-cidr) need iptables"), { code: "ENOENT" });
  }
}

async function restore(input: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile("iptables-restore", ["-w", "--noflush"], (err, _out, stderr) =>
      err ? reject(new Error(`iptables-restore: ${stderr.trim() || err.message}`)) : resolve(),
    );
    child.stdin!.end(input);
  });
}

/** Makes the node's rules exactly the desired ones; true when something was written. */
export async function ensureHostRules(s: HostRuleSpec): Promise<boolean> {
  const plan = planRules(rulesOf(await save(), s.node), desiredRules(s));
  if (plan) await restore(plan);
  return plan !== undefined;
}

/** Removes every rule of the node (lab down); how many there were. */
export async function removeHostRules(node: string): Promise<number> {
  const current = rulesOf(await save(), node);
  const plan = planRules(current, []);
  if (plan) await restore(plan);
  return current.length;
}
