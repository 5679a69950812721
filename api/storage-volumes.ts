// The pod volume types kubelab's agents serve. Kubernetes accepts some 30 volume sources and
// leaves the unserved ones to fail on the node; kubelab refuses them when the pod is created
// (422 with the field), because an agent that cannot serve a volume must never hand the
// container an empty directory in its place (a database would "work" and lose its data).
// No zod here: the agent imports this list too.
import type { FieldCause } from "./resource";
import { fieldError } from "./validation";

/** The volume sources an agent mounts, as Volume field names. */
export const SERVED_VOLUME_TYPES = ["configMap", "downwardAPI", "emptyDir", "hostPath", "persistentVolumeClaim", "projected", "secret"] as const;

const served = new Set<string>(SERVED_VOLUME_TYPES);

/** The first volume source of a volume the agents do not serve (undefined: all are served). */
export function unservedVolumeType(volume: Record<string, unknown>): string | undefined {
  return Object.keys(volume).find((key) => key !== "name" && !served.has(key));
}

/** 422 causes for the pod's volumes of unserved types: `spec.volumes[0].nfs: Unsupported value: "nfs"`. */
export function validateServedVolumes(volumes: readonly Record<string, unknown>[] | undefined, path = "spec.volumes"): FieldCause[] {
  const out: FieldCause[] = [];
  (volumes ?? []).forEach((volume, i) => {
    const type = unservedVolumeType(volume);
    if (type) out.push(fieldError.notSupported(`${path}[${i}].${type}`, type, SERVED_VOLUME_TYPES));
  });
  return out;
}
