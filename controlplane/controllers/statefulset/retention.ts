// persistentVolumeClaimRetentionPolicy through owner references, as Kubernetes does it
// (updateClaimOwnerRefForSetAndPod): the garbage collector deletes a claim once every owner it
// names is gone. whenDeleted: Delete puts the StatefulSet among a claim's owners; whenScaled:
// Delete puts the pod among the owners of a scaled-down ordinal's claims (so they go with it).
// Retain removes those references again.
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { Pod } from "../../../api/core";
import type { OwnerReference } from "../../../api/meta";

type Owner = { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } };

const refTo = (o: Owner): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" });

/**
 * The owner references `claim` should have for `pod` of `set` (scaledDown: the pod's ordinal is
 * past the replicas), or undefined when they are right already.
 */
export function desiredClaimOwners(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod, scaledDown: boolean): OwnerReference[] | undefined {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const deleteWithSet = policy.whenDeleted === "Delete";
  const deleteOnScale = policy.whenScaled === "Delete";
  const wantSet = deleteWithSet && !(deleteOnScale && scaledDown);
  const wantPod = deleteOnScale && scaledDown;
  const setRef = refTo({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata });
  const podRef = refTo({ apiVersion: "v1", kind: "Pod", metadata: pod.metadata });
  const current = claim.metadata.ownerReferences ?? [];
  let next = current.filter((r) => !(r.kind === "StatefulSet" && r.name === set.metadata.name) && !(r.kind === "Pod" && r.name === pod.metadata.name));
  // A reference to this very set or pod is kept as it is (its other fields may have been set by someone).
  const keep = (ref: OwnerReference) => current.find((r) => r.uid === ref.uid) ?? ref;
  if (wantSet) next = [...next, keep(setRef)];
  if (wantPod && pod.metadata.uid) next = [...next, keep(podRef)];
  const same = next.length === current.length && next.every((r) => current.some((c) => c.uid === r.uid));
  return same ? undefined : next;
}

/**
 * PodClaimIsStale: a claim that still names an earlier pod of the ordinal as its owner (scaled down
 * with whenScaled: Delete) or is being deleted goes away soon; the new pod must not start on it.
 */
export function claimIsStale(claim: PersistentVolumeClaim | undefined, pod: Pod | undefined): boolean {
  if (!claim) return false;
  if (claim.metadata.deletionTimestamp) return true;
  return (claim.metadata.ownerReferences ?? []).some((r) => r.kind === "Pod" && r.uid !== pod?.metadata.uid);
}
