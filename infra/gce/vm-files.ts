// The files that go onto the VMs (startup scripts, install scripts, systemd units, the git hook)
// live in infra/gce/vm/, found from this module (Pulumi runs the program with its cwd set to
// Pulumi.yaml's `main` folder, tests from the repository root).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const GCE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(GCE_DIR, "..", "..");
export const VM_DIR = path.join(GCE_DIR, "vm");

export function vmFilePath(file: string): string {
  return path.join(VM_DIR, file);
}

export function readVmFile(file: string): string {
  return readFileSync(vmFilePath(file), "utf8");
}

/** sha256 of a local file, hex; embedded in install commands so a change re-deploys in place. */
export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}
