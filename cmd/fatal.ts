// The last line of defence of every `kubelab` process. Every listener and worker turns its own
// errors into answers or retries; an exception or rejection that still escapes is a bug whose
// damage is unknown, so the process must not run on half-alive. It logs the error with its
// context (a pino-shaped fatal record with the component and the stack), says why in one line,
// gives the cleanups registered with onFatal a short grace period (stop listening, close the
// store) and exits with code 1, for systemd or the lab to restart it from a known state.
import { writeSync } from "node:fs";
import { hostname } from "node:os";

export type FatalKind = "uncaughtException" | "unhandledRejection";

type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
let component = "kubelab";
let installed = false;
let dying = false;

/** Name the component this process runs ("server", "agent", "lab up"), for the fatal record. */
export function setComponent(name: string): void {
  component = name;
}

/** Run cleanup before a fatal exit (at most graceMs in all); returns a function that removes it. */
export function onFatal(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** An error as a log field: type, message and stack; anything thrown that is not an Error too. */
export function errorField(err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack };
  let message: string;
  try {
    message = typeof err === "string" ? err : JSON.stringify(err) ?? String(err);
  } catch {
    message = String(err);
  }
  return { type: typeof err, message };
}

const why: Record<FatalKind, string> = {
  uncaughtException: "uncaught exception",
  unhandledRejection: "unhandled promise rejection",
};

/** A log record of an error, in pino's shape (50 = error, 60 = fatal) so log tooling reads it with the rest. */
export function errorRecord(level: 50 | 60, event: string, err: unknown, msg: string, name = component): Record<string, unknown> {
  return { level, time: Date.now(), pid: process.pid, hostname: hostname(), component: name, event, err: errorField(err), msg };
}

/** The fatal log record of an escaped error. */
export function fatalRecord(kind: FatalKind, err: unknown, name = component): Record<string, unknown> {
  return errorRecord(60, kind, err, `${why[kind]}: exiting`, name);
}

/** The one line a person reads: which component, what happened, what the process does now. */
export function fatalLine(kind: FatalKind, err: unknown, name = component): string {
  const message = errorField(err).message.replace(/\s*\n\s*/g, " ");
  return `kubelab ${name}: fatal: ${why[kind]}: ${message}; exiting with code 1`;
}

/** One line to stderr, synchronously: the process exits right after, and a buffered write would be lost. */
export function writeErrLine(line: string): void {
  try {
    writeSync(2, line + "\n");
  } catch {
    // stderr gone (closed pipe): nothing left to tell.
  }
}

async function runCleanups(): Promise<void> {
  await Promise.allSettled([...cleanups].map(async (c) => c()));
}

function die(kind: FatalKind, err: unknown, graceMs: number): void {
  writeErrLine(JSON.stringify(fatalRecord(kind, err)));
  if (dying) return; // a second failure while cleaning up: logged, the exit is already under way
  dying = true;
  writeErrLine(fatalLine(kind, err));
  process.exitCode = 1;
  if (cleanups.size === 0) process.exit(1);
  // A cleanup that hangs must not keep the process alive: the timer is not unref'd.
  setTimeout(() => process.exit(1), graceMs);
  void runCleanups().finally(() => process.exit(1));
}

/** Install the handlers once per process (cmd/main.ts does, before any subcommand runs). */
export function installFatalHandlers(opts: { graceMs?: number } = {}): void {
  if (installed) return;
  installed = true;
  const graceMs = opts.graceMs ?? 5000;
  process.on("uncaughtException", (err) => die("uncaughtException", err, graceMs));
  process.on("unhandledRejection", (reason) => die("unhandledRejection", reason, graceMs));
}
