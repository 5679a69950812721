// The binding steps of the PersistentVolume controller, each one write (after Kubernetes'
// pv_controller.go bind/unbind): the volume's claimRef, its phase, the claim's volumeName and
// annotations, its phase with the capacity and modes it got. Every step starts from the object
// the last write returned, so a step that fails (conflict) is redone from the cache next sync.
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import { BIND_COMPLETED_ANNOTATION, BOUND_BY_CONTROLLER_ANNOTATION } from "../../../api/storage";
import { claimRefIs } from "../../../api/storage-binding";
import { persistentvolumeclaims, persistentvolumes, type ApiClient } from "../../../client";

export const claimKey = (pvc: PersistentVolumeClaim) => `${pvc.metadata.namespace}/${pvc.metadata.name}`;

/** Sets the volume's phase (and message) through status, unless it has it already. */
export async function setVolumePhase(client: ApiClient, pv: PersistentVolume, phase: string, message?: string): Promise<PersistentVolume> {
  if (pv.status?.phase === phase && pv.status?.message === message) return pv;
  const next = structuredClone(pv);
  next.status = { ...next.status, phase, message };
  if (message === undefined) delete next.status.message;
  return client.updateStatus(persistentvolumes, undefined, next);
}

export async function setClaimPhase(client: ApiClient, pvc: PersistentVolumeClaim, phase: string, pv?: PersistentVolume): Promise<PersistentVolumeClaim> {
  const status = structuredClone(pvc.status ?? {});
  status.phase = phase;
  if (pv && phase === "Bound") {
    status.accessModes = pv.spec?.accessModes;
    status.capacity = pv.spec?.capacity;
  }
  if (JSON.stringify(status) === JSON.stringify(pvc.status ?? {})) return pvc;
  return client.updateStatus(persistentvolumeclaims, pvc.metadata.namespace, { ...structuredClone(pvc), status });
}

/** Points the volume at the claim (with its uid) and marks it Bound. */
async function bindVolumeToClaim(client: ApiClient, pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<PersistentVolume> {
  let current = pv;
  if (!claimRefIs(pv, pvc) || !pv.spec?.claimRef?.uid) {
    const next = structuredClone(pv);
    const spec = (next.spec ??= {});
    if (!spec.claimRef) next.metadata.annotations = { ...next.metadata.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" };
    spec.claimRef = { kind: "PersistentVolumeClaim", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: "v1", resourceVersion: pvc.metadata.resourceVersion };
    current = await client.update(persistentvolumes, undefined, next);
  }
  return setVolumePhase(client, current, "Bound");
}

/** Binds both ways: the volume to the claim, then the claim to the volume. */
export async function bind(client: ApiClient, pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
  const volume = await bindVolumeToClaim(client, pv, pvc);
  let claim = pvc;
  const annotations = claim.metadata.annotations ?? {};
  if (claim.spec?.volumeName !== volume.metadata.name || annotations[BIND_COMPLETED_ANNOTATION] !== "yes") {
    const next = structuredClone(claim);
    const byController = !next.spec?.volumeName;
    next.spec = { ...next.spec, volumeName: volume.metadata.name };
    next.metadata.annotations = { ...next.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: "yes", ...(byController ? { [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" } : {}) };
    claim = await client.update(persistentvolumeclaims, next.metadata.namespace, next);
  }
  await setClaimPhase(client, claim, "Bound", volume);
}

/** Takes the claimRef off a volume the controller bound (its claim went elsewhere): Available again. */
export async function unbindVolume(client: ApiClient, pv: PersistentVolume): Promise<void> {
  const next = structuredClone(pv);
  if (next.spec) delete next.spec.claimRef;
  const annotations = { ...next.metadata.annotations };
  delete annotations[BOUND_BY_CONTROLLER_ANNOTATION];
  next.metadata.annotations = annotations;
  const updated = await client.update(persistentvolumes, undefined, next);
  await setVolumePhase(client, updated, "Available");
}
