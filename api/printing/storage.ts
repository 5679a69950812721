// Tables of the storage kinds as Kubernetes 1.32 prints them (printPersistentVolume,
// printPersistentVolumeClaim, printStorageClass in pkg/printers/internalversion).
import type { PersistentVolume, PersistentVolumeClaim } from "../corev1/persistentvolume";
import { isDefaultClass, type StorageClass } from "../storage";
import { age, ageCol, col, nameCol, wide, type Printer } from "./columns";

const SHORT_MODES: [string, string][] = [["ReadWriteOnce", "RWO"], ["ReadOnlyMany", "ROX"], ["ReadWriteMany", "RWX"], ["ReadWriteOncePod", "RWOP"]];

/** "RWO,ROX" in Kubernetes' fixed order (GetAccessModesAsString). */
export function accessModesString(modes: string[] | undefined): string {
  return SHORT_MODES.filter(([long]) => modes?.includes(long)).map(([, short]) => short).join(",");
}

const capacity = (c: Record<string, string | number> | undefined) => (c?.storage === undefined ? "" : String(c.storage));
const unset = (v: string | undefined) => v || "<unset>";

export const storagePrinters: Record<string, Printer> = {
  persistentvolumes: {
    columns: [
      nameCol,
      col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity."),
      col("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
      col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
      col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
      col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
      col("StorageClass", "string", "StorageClass of the pv"),
      col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
      col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
      ageCol,
      col("VolumeMode", "string", "Indicates if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", wide),
    ],
    cells(o, now) {
      const pv = o as PersistentVolume;
      const spec = pv.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
      const phase = pv.metadata.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? "");
      return [pv.metadata.name, capacity(spec.capacity), accessModesString(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "", phase, claim, spec.storageClassName ?? "", unset(spec.volumeAttributesClassName), pv.status?.reason ?? "", age(pv, now), unset(spec.volumeMode)];
    },
  },
  persistentvolumeclaims: {
    columns: [
      nameCol,
      col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
      col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
      col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
      col("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has."),
      col("StorageClass", "string", "StorageClass of the pvc"),
      col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
      ageCol,
      col("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim.", wide),
    ],
    cells(o, now) {
      const pvc = o as PersistentVolumeClaim;
      const spec = pvc.spec ?? {};
      const phase = pvc.metadata.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? "");
      const bound = Boolean(spec.volumeName);
      const cap = bound ? capacity(pvc.status?.capacity) : "";
      const modes = bound ? accessModesString(pvc.status?.accessModes) : "";
      return [pvc.metadata.name, phase, spec.volumeName ?? "", cap, modes, spec.storageClassName ?? "", unset(spec.volumeAttributesClassName), age(pvc, now), unset(spec.volumeMode)];
    },
  },
  storageclasses: {
    columns: [
      nameCol,
      col("Provisioner", "string", "Indicates the type of the provisioner."),
      col("ReclaimPolicy", "string", "Indicates the type of the reclaim policy."),
      col("VolumeBindingMode", "string", "Indicates when volume binding and dynamic provisioning should occur."),
      col("AllowVolumeExpansion", "string", "Indicates whether the storage class allow volume expand."),
      ageCol,
    ],
    cells(o, now) {
      const sc = o as StorageClass;
      const name = isDefaultClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name;
      return [name, sc.provisioner, sc.reclaimPolicy ?? "Delete", sc.volumeBindingMode ?? "Immediate", String(sc.allowVolumeExpansion ?? false), age(sc, now)];
    },
  },
};
