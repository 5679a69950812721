// PersistentVolumes (pkg/registry/core/persistentvolume/strategy.go): created Pending with the
// phase's transition time; StorageObjectInUseProtection adds kubernetes.io/pv-protection (the
// pv-protection controller removes it once no claim is bound to the volume).
import type { PersistentVolume } from "../../../api/corev1/persistentvolume";
import type { KObject, ResourceType } from "../../../api/resource";
import { PV_PROTECTION_FINALIZER } from "../../../api/storage";
import { rfc3339 } from "../../../api/time";
import { addFinalizer } from "./pvc";
import { genericStrategy, type Strategy } from "./strategy";

type VolumeObject = KObject & PersistentVolume;

export function pvStrategy(rt: ResourceType): Strategy<VolumeObject> {
  const generic = genericStrategy(rt) as Strategy<VolumeObject>;
  return {
    ...generic,
    prepareForCreate(pv) {
      pv.status = { phase: "Pending", lastPhaseTransitionTime: rfc3339() };
      addFinalizer(pv, PV_PROTECTION_FINALIZER);
    },
    prepareForUpdate(next, old, subresource) {
      const merged = generic.prepareForUpdate(next, old, subresource);
      // Kubernetes stamps the time whenever the phase changes.
      if (subresource === "status" && merged.status?.phase !== old.status?.phase) merged.status = { ...merged.status, lastPhaseTransitionTime: rfc3339() };
      return merged;
    },
  };
}
