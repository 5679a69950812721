// The pvc-protection and pv-protection controllers' decision (pkg/controller/volume/
// pvcprotection, pvprotection): a claim being deleted keeps kubernetes.io/pvc-protection while a
// pod that has not finished uses it; a volume keeps kubernetes.io/pv-protection while it is Bound.
import type { Pod } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../../../api/storage";
import { podClaimNames, podHoldsClaims } from "../../../api/storage-binding";

/** The pods (of the claim's namespace) that still use the claim. */
export function podsUsingClaim(pvc: PersistentVolumeClaim, pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.metadata?.namespace === pvc.metadata.namespace && podHoldsClaims(p) && podClaimNames(p).includes(pvc.metadata.name ?? ""));
}

export const claimProtected = (pvc: PersistentVolumeClaim) => (pvc.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER);
export const volumeProtected = (pv: PersistentVolume) => (pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);

/** A copy without the finalizer. */
export function withoutFinalizer<T extends { metadata: { finalizers?: string[] } }>(obj: T, finalizer: string): T {
  const next = structuredClone(obj);
  const rest = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  next.metadata.finalizers = rest.length ? rest : undefined;
  return next;
}
