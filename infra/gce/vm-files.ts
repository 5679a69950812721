// The files that go onto the VMs (startup scripts, install scripts, systemd units, the git hook)
// live in infra/gce/vm/; Pulumi runs from the repository root, where Pulumi.yaml is.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const VM_DIR = path.resolve(process.env.KUBELAB_VM_DIR ?? path.join(process.cwd(), "infra", "gce", "vm"));

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
