// Runs the real `kubelab` CLI (bin/kubelab.mjs) as a child process, for the cmd/ tests.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const CLI = resolve(REPO_ROOT, "bin/kubelab.mjs");

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exited>;
}

/** Start `kubelab ...args`; nodeArgs go before the script (e.g. --import a preload). */
export function start(args: string[], opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Running {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...opts.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<Exited>((done) => child.once("close", (code) => done({ code, stdout, stderr })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Run `kubelab ...args` to its end; a process still running after 60 s is killed (the test then fails). */
export async function run(args: string[]): Promise<Exited> {
  const r = start(args);
  const timer = setTimeout(() => r.child.kill("SIGKILL"), 60_000);
  const out = await r.exited;
  clearTimeout(timer);
  return out;
}
