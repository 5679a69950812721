// Durations as Go writes them (time.ParseDuration, metav1.Duration, every Kubernetes duration
// flag): a sign, then one or more decimal numbers each with a unit: "300ms", "-1.5h", "1h30m",
// "1µs". Units: ns, us (or µs), ms, s, m, h. "0" is the only number allowed without a unit.
// A bare number of seconds ("10") is accepted only where the caller asks for it (bareSeconds).
// The one parser and formatter of durations in kubelab; values are milliseconds, as setTimeout
// takes them.

const unitNs: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // µ MICRO SIGN
  "\u03bcs": 1_000n, // μ GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const maxNs = 2n ** 63n - 1n;
const bareNumber = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export interface DurationOptions {
  /** Read a number without a unit as seconds ("10" is 10 s), for flags that document it. */
  bareSeconds?: boolean;
}

/** The error time.ParseDuration gives, with Go's wording. */
export class DurationError extends Error {
  override name = "DurationError";
}

const quote = (s: string) => JSON.stringify(s);

/** One "<number><unit>" element at the start of rest; throws when there is none. */
function element(rest: string, orig: string): { ns: bigint; rest: string } {
  const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
  const [num, whole = "", frac = ""] = [m[0], m[1]!, m[2] ?? ""];
  if (whole === "" && frac === "") throw new DurationError(`time: invalid duration ${quote(orig)}`);
  rest = rest.slice(num.length);
  const unit = /^[^0-9.]*/.exec(rest)![0];
  if (unit === "") throw new DurationError(`time: missing unit in duration ${quote(orig)}`);
  const scale = unitNs[unit];
  if (scale === undefined) throw new DurationError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
  // Whole part exactly, fraction truncated to nanoseconds, as Go does.
  let ns = BigInt(whole || "0") * scale;
  if (frac) ns += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
  return { ns, rest: rest.slice(unit.length) };
}

/** A duration in nanoseconds, exactly; throws DurationError as time.ParseDuration would. */
export function parseDurationNs(s: string, opts: DurationOptions = {}): bigint {
  if (opts.bareSeconds && bareNumber.test(s)) return parseDurationNs(`${s}s`);
  let rest = s;
  let negative = false;
  if (rest[0] === "-" || rest[0] === "+") {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") throw new DurationError(`time: invalid duration ${quote(s)}`);
  let total = 0n;
  while (rest !== "") {
    const e = element(rest, s);
    total += e.ns;
    rest = e.rest;
    if (total > maxNs + (negative ? 1n : 0n)) throw new DurationError(`time: invalid duration ${quote(s)}`);
  }
  return negative ? -total : total;
}

/** A duration in milliseconds ("1m30s" -> 90000, "1.5ms" -> 1.5); throws DurationError. */
export function parseDuration(s: string, opts: DurationOptions = {}): number {
  const ns = parseDurationNs(s, opts);
  // Whole milliseconds stay exact; only the sub-millisecond part is a fraction.
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}

/** Does s parse as a duration? */
export function isDuration(s: string, opts: DurationOptions = {}): boolean {
  try {
    parseDurationNs(s, opts);
    return true;
  } catch {
    return false;
  }
}

function fraction(v: bigint, digits: number): string {
  const f = v.toString().padStart(digits, "0").replace(/0+$/, "");
  return f ? `.${f}` : "";
}

/**
 * Go's Duration.String for a duration in milliseconds: "1h30m0s", "1.5s", "300ms", "1µs", "0s".
 * What a user who wrote a Go duration expects to read back.
 */
export function formatDuration(ms: number): string {
  let ns = BigInt(Math.trunc(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6));
  const sign = ns < 0n ? "-" : "";
  if (ns < 0n) ns = -ns;
  if (ns === 0n) return "0s";
  if (ns < 1_000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${ns / 1_000n}${fraction(ns % 1_000n, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${ns / 1_000_000n}${fraction(ns % 1_000_000n, 6)}ms`;
  const h = ns / unitNs.h!;
  const m = (ns % unitNs.h!) / unitNs.m!;
  const s = `${(ns % unitNs.m!) / unitNs.s!}${fraction(ns % unitNs.s!, 9)}s`;
  if (h > 0n) return `${sign}${h}h${m}m${s}`;
  if (m > 0n) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}
