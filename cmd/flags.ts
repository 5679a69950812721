// Flag values shared by the subcommands.

/** "10s", "500ms", "5m", "1h" or a plain number of seconds -> milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new Error(`invalid duration "${value}" (use e.g. 500ms, 10s, 5m)`);
  const n = Number(match[1]);
  const unit = match[2] ?? "s";
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}
