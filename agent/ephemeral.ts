// Ephemeral containers (kubectl debug): what to start and how, decided from the pod and Docker's
// view, without doing it (the executor, pod-sync.ts, does). An ephemeral container starts once
// in the running sandbox's network and IPC namespaces, and, with targetContainerName, in the
// target container's PID namespace (Docker's `pid: container:<id>`); it is never restarted.
import type Docker from "dockerode";
import type { EphemeralContainer } from "../api/corev1/ephemeral-container";
import type { RuntimeContainer } from "./runtime/docker";
import { latestByName } from "./status";
import type { Pod } from "./types";

export interface EphemeralStart {
  spec: EphemeralContainer;
  /** The target container's id, whose PID namespace the ephemeral container joins. */
  pidTarget?: string;
}

/** The ephemeral containers to start now: never started yet, and their target (if any) running. */
export function ephemeralToStart(pod: Pod, containers: RuntimeContainer[]): EphemeralStart[] {
  const out: EphemeralStart[] = [];
  for (const spec of pod.spec.ephemeralContainers ?? []) {
    if (latestByName(containers, spec.name).length > 0) continue;
    if (!spec.targetContainerName) {
      out.push({ spec });
      continue;
    }
    const target = latestByName(containers, spec.targetContainerName)[0];
    if (target?.state === "running") out.push({ spec, pidTarget: target.id });
  }
  return out;
}

/** The Docker HostConfig that differs from an app container's: the target's PID namespace. */
export function ephemeralHostConfig(start: EphemeralStart): Partial<Docker.HostConfig> {
  return start.pidTarget ? { PidMode: `container:${start.pidTarget}` } : {};
}
