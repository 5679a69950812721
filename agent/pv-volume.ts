// A pod's persistentVolumeClaim volume: the directory of the PersistentVolume its claim is bound
// to (hostPath or local, created on first use). While the claim is missing or not yet bound the
// pod waits in ContainerCreating with a FailedMount event, as the kubelet's volume manager does;
// a PV this node cannot mount (another source, or pinned to another node) waits the same way.
import type { PersistentVolume, PersistentVolumeClaim } from "../api/corev1/persistentvolume";
import { chmod, mkdir, stat } from "node:fs/promises";
import { ContainerConfigError } from "./env";
import type { Pod } from "./types";

/** Reads claims and volumes (from the API server). */
export interface ClaimSource {
  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume(name: string): Promise<PersistentVolume | undefined>;
}

/** The volume cannot be mounted yet: the container waits as ContainerCreating, the event is FailedMount. */
export class VolumeNotReadyError extends ContainerConfigError {
  readonly waitingReason = "ContainerCreating";
  readonly eventReason = "FailedMount";
}

/** The host directory of a PV kubelab's agents mount, or undefined for any other source. */
export function persistentVolumeDir(pv: PersistentVolume): string | undefined {
  return pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
}

async function ensureDir(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return;
  if (info) throw new VolumeNotReadyError(`persistent volume path ${path} exists and is not a directory`);
  await mkdir(path, { recursive: true });
  // A fresh volume is writable by any user of the container, as local-path's helper makes it.
  await chmod(path, 0o777);
}

/** The host path of the claim's volume for this pod; VolumeNotReadyError while it cannot be had. */
export async function claimVolumePath(pod: Pod, claimName: string, claims: Partial<ClaimSource>): Promise<string> {
  const ns = pod.metadata.namespace;
  if (!claims.getPersistentVolumeClaim || !claims.getPersistentVolume) {
    throw new VolumeNotReadyError(`persistentVolumeClaim "${claimName}": this pod has no API server to read claims from (a static pod cannot use a claim)`);
  }
  const pvc = await claims.getPersistentVolumeClaim(ns, claimName);
  if (!pvc) throw new VolumeNotReadyError(`persistentvolumeclaim "${claimName}" not found`);
  if (pvc.metadata.deletionTimestamp) throw new VolumeNotReadyError(`persistentvolumeclaim "${claimName}" is being deleted`);
  const volumeName = pvc.spec?.volumeName;
  if (pvc.status?.phase !== "Bound" || !volumeName) throw new VolumeNotReadyError(`persistentvolumeclaim "${claimName}" is not bound yet`);
  const pv = await claims.getPersistentVolume(volumeName);
  if (!pv) throw new VolumeNotReadyError(`persistentvolume "${volumeName}" of claim "${claimName}" not found`);
  const path = persistentVolumeDir(pv);
  if (!path) {
    const source = Object.keys(pv.spec ?? {}).find((k) => !NOT_SOURCES.has(k)) ?? "(none)";
    throw new VolumeNotReadyError(`persistentvolume "${volumeName}": volume source ${source} is not supported by this node (supported: hostPath, local)`);
  }
  await ensureDir(path);
  return path;
}

const NOT_SOURCES = new Set(["capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName", "mountOptions", "volumeMode", "nodeAffinity", "volumeAttributesClassName"]);
