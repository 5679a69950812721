// Runs the `kubelab` program: checks flag values (cmd/flags.ts), names the component for the fatal
// handlers (cmd/fatal.ts), and turns every way a command line can be wrong into one line on stderr
// and exit code 2. A subcommand that fails after it started exits 1 with one line; only an error
// that looks like a bug (TypeError and the like) also logs its stack.
import type { Command, CommanderError } from "commander";
import { errorField, errorRecord, setComponent, writeErrLine } from "./fatal";
import { checkFlagValues, UsageError } from "./flags";

/** An exit decided while parsing: the code, and the line to print (none after help or version). */
class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly line?: string,
  ) {
    super(line ?? `exit ${exitCode}`);
  }
}

const quiet = new Set(["commander.helpDisplayed", "commander.version"]);
const bugTypes = new Set(["TypeError", "ReferenceError", "RangeError", "SyntaxError", "EvalError", "AssertionError"]);

/** "kubelab lab up" for the `up` command under `lab`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

const oneLine = (text: string) => text.replace(/^error:\s*/, "").replace(/\s*\n\s*/g, " ").trim();

/** The one line for a commander parse error on cmd: what is wrong, then what is allowed. */
export function usageLine(cmd: Command, err: Pick<CommanderError, "code" | "message">): string {
  const path = commandPath(cmd);
  let hint = `see '${path} --help'`;
  if (err.code === "commander.unknownCommand" || err.code === "commander.help") {
    hint = `commands: ${cmd.commands.map((c) => c.name()).join(", ")}; ${hint}`;
  }
  const what = err.code === "commander.help" ? "a command is required" : oneLine(err.message);
  return `${path}: ${what} (${hint})`;
}

/** Every command of the tree reports through CliExit instead of writing and exiting itself. */
function reportThroughCliExit(cmd: Command): void {
  cmd.configureOutput({ outputError: () => {} });
  cmd.exitOverride((err) => {
    // Help asked for (--help, `kubelab help server`) exits 0; help shown because no subcommand
    // was given exits non-zero, and is a usage error like any other.
    if (quiet.has(err.code) || (err.code === "commander.help" && err.exitCode === 0)) throw new CliExit(err.exitCode);
    throw new CliExit(2, usageLine(cmd, err));
  });
  for (const sub of cmd.commands) reportThroughCliExit(sub);
}

/**
 * What an error escaping a subcommand's action becomes: the exit code, after printing. A usage
 * error is a UsageError, or anything with commander's invalid-argument code (commander's own
 * InvalidArgumentError: what code that may not import cmd/ throws).
 */
export function reportActionError(cmd: Command, err: unknown, write: (line: string) => void = writeErrLine): number {
  if (err instanceof CliExit) {
    if (err.line) write(err.line);
    return err.exitCode;
  }
  const field = errorField(err);
  const path = commandPath(cmd);
  const usage = err instanceof UsageError || (err as { code?: unknown } | null)?.code === "commander.invalidArgument";
  if (!usage && bugTypes.has(field.type)) {
    write(JSON.stringify(errorRecord(50, "commandFailed", err, "command failed", path.replace(/^kubelab ?/, "") || "kubelab")));
  }
  write(`${path}: ${oneLine(field.message)}${usage ? ` (see '${path} --help')` : ""}`);
  return usage ? 2 : 1;
}

/**
 * Parse argv and run the chosen subcommand. Returns when the subcommand's action has returned
 * (servers keep the process alive by their listeners); on any error it prints and exits.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  let current: Command = program;
  program.hook("preAction", (_root, action) => {
    current = action;
    setComponent(commandPath(action).replace(/^kubelab /, ""));
    checkFlagValues(action);
  });
  reportThroughCliExit(program);
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    process.exit(reportActionError(current, err));
  }
}
