// Background processes of the lab: started detached with their output in a log file, recorded by
// pid, stopped with SIGTERM then SIGKILL.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export interface LabProcess {
  name: string;
  pid: number;
  log: string;
  args: string[];
}

/** Starts a process in the background; with `umask`, what it creates gets at most ~umask modes. */
export function startDetached(name: string, command: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env, umask?: number): LabProcess {
  const fd = openSync(log, "a", 0o600);
  // A child inherits the umask at spawn; Node has no per-spawn option, so set it around the call.
  const previous = umask === undefined ? undefined : process.umask(umask);
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    child.unref();
    return { name, pid: child.pid, log, args };
  } finally {
    if (previous !== undefined) process.umask(previous);
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  // pid 0 (or below) would address a whole process group: never a lab process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}
