// The served storage resources: core/v1 persistentvolumes (cluster-scoped) and
// persistentvolumeclaims, storage.k8s.io/v1 storageclasses (cluster-scoped, no status).
import { PersistentVolume, PersistentVolumeClaim } from "./corev1/persistentvolume";
import { defineResource } from "./define";
import { StorageClass } from "./storage";
import {
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultStorageClass,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from "./storage-rules";

export const persistentvolumes = defineResource<PersistentVolume>({
  group: "",
  version: "v1",
  kind: "PersistentVolume",
  plural: "persistentvolumes",
  namespaced: false,
  shortNames: ["pv"],
  subresources: ["status"],
  schema: PersistentVolume,
  defaults: defaultPersistentVolume,
  validateObject: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
});

export const persistentvolumeclaims = defineResource<PersistentVolumeClaim>({
  group: "",
  version: "v1",
  kind: "PersistentVolumeClaim",
  plural: "persistentvolumeclaims",
  namespaced: true,
  shortNames: ["pvc"],
  subresources: ["status"],
  schema: PersistentVolumeClaim,
  defaults: defaultPersistentVolumeClaim,
  validateObject: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
});

export const storageclasses = defineResource<StorageClass>({
  group: "storage.k8s.io",
  version: "v1",
  kind: "StorageClass",
  plural: "storageclasses",
  namespaced: false,
  shortNames: ["sc"],
  schema: StorageClass,
  defaults: defaultStorageClass,
  validateObject: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
});
