// Flag values shared by the subcommands, and the one way a bad one is reported.
//
// Contract: a flag's placeholder names its type, and cmd/main.ts checks every value (given or
// default) against it before a subcommand runs, so each subcommand receives well-formed strings:
//   <duration>  a Go duration: 300ms, 10s, 1m30s, 1.5h (not negative)
//   <n>         a non-negative number: 3, 0.5
//   <port>      an integer from 0 to 65535
//   <bool>      true or false
//   <quantity>  a non-negative Kubernetes quantity: 4Gi, 500m, 2
// A value that fails, or a UsageError thrown by a subcommand's own checks, ends the process
// with one line on stderr (what is wrong, what is allowed) and exit code 2.
import type { Command, Option } from "commander";
import { DurationError, parseDuration as parseGoDuration, type DurationOptions } from "../api/duration";
import { isQuantity, parseQuantity } from "../api/quantity";

/**
 * A user's mistake on the command line. Commander reports one thrown from an option's argParser
 * itself (the code below is the one it looks for); anywhere else cmd/main.ts reports it.
 */
export class UsageError extends Error {
  override name = "UsageError";
  readonly code = "commander.invalidArgument";
  readonly exitCode = 2;
}

/** A Go duration ("500ms", "10s", "1h30m") in milliseconds; bare seconds only with bareSeconds. */
export function parseDurationFlag(value: string, flag = "duration", opts: DurationOptions = {}): number {
  let ms: number;
  try {
    ms = parseGoDuration(value, opts);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: ${err.message}; use a Go duration such as 500ms, 10s, 1m30s or 1h`);
  }
  if (ms < 0) throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: must not be negative; use a Go duration such as 500ms, 10s, 1m30s or 1h`);
  return ms;
}

/** A non-negative decimal number ("3", "0.5"). */
export function parseNumberFlag(value: string, flag = "number"): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: must be a non-negative number such as 3 or 0.5`);
  return Number(value);
}

/** A TCP port, 0 to 65535 (0: pick one, or disabled where the flag says so). */
export function parsePortFlag(value: string, flag = "port"): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 65535)) throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: must be a port number from 0 to 65535`);
  return n;
}

export function parseBoolFlag(value: string, flag = "flag"): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: must be true or false`);
}

/** A non-negative Kubernetes quantity ("4Gi", "500m") as a number (bytes, cores). */
export function parseQuantityFlag(value: string, flag = "quantity"): number {
  if (!isQuantity(value) || parseQuantity(value) < 0) {
    throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: must be a non-negative quantity such as 4Gi, 512Mi or 500m`);
  }
  return parseQuantity(value);
}

const byPlaceholder: Record<string, (value: string, flag: string) => unknown> = {
  duration: parseDurationFlag,
  n: parseNumberFlag,
  port: parsePortFlag,
  bool: parseBoolFlag,
  quantity: parseQuantityFlag,
};

/** The placeholder of an option's value: "--sync-frequency <duration>" -> "duration". */
function placeholder(option: Option): string | undefined {
  return /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
}

/** Check every option value of command against its placeholder's type; throws UsageError. */
export function checkFlagValues(command: Command): void {
  for (const option of command.options) {
    const parse = byPlaceholder[placeholder(option) ?? ""];
    const value: unknown = command.getOptionValue(option.attributeName());
    if (parse && typeof value === "string") parse(value, option.long ?? option.flags);
  }
}
