// PersistentVolumeClaims (pkg/registry/core/persistentvolumeclaim/strategy.go plus two admission
// plugins): created Pending; StorageObjectInUseProtection adds the kubernetes.io/pvc-protection
// finalizer (the pvc-protection controller removes it once no pod uses the claim);
// DefaultStorageClass gives a claim that names no class (storageClassName absent, not "") the
// default StorageClass, the newest when several are marked default.
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { KObject, ResourceType } from "../../../api/resource";
import { isDefaultClass, PVC_PROTECTION_FINALIZER, type StorageClass } from "../../../api/storage";
import { storageclasses } from "../../../api/storage-resources";
import type { Store } from "../../storage/store";
import { decode } from "../codec";
import { storagePrefix } from "../keys";
import { genericStrategy, type Strategy } from "./strategy";
import { compareStrings } from "../../../api/order";

export interface StorageStrategyOptions {
  /** Where the DefaultStorageClass admission reads StorageClasses from. */
  store?: Store;
}

type ClaimObject = KObject & PersistentVolumeClaim;

/** Adds a finalizer once (the StorageObjectInUseProtection admission). */
export function addFinalizer(obj: KObject, finalizer: string): void {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) obj.metadata.finalizers = [...list, finalizer];
}

/** The default class among these: the newest marked default (then by name), as Kubernetes 1.26+. */
export function defaultClass(classes: StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => compareStrings(b.metadata.creationTimestamp ?? "", a.metadata.creationTimestamp ?? "") || compareStrings(a.metadata.name ?? "", b.metadata.name ?? ""));
  return defaults[0];
}

async function listStorageClasses(store: Store): Promise<StorageClass[]> {
  const page = await store.list(storagePrefix(storageclasses));
  return page.items.map((item) => decode(item) as KObject & StorageClass);
}

export function pvcStrategy(rt: ResourceType, options: StorageStrategyOptions): Strategy<ClaimObject> {
  const generic = genericStrategy(rt) as Strategy<ClaimObject>;
  return {
    ...generic,
    prepareForCreate(pvc) {
      pvc.status = { phase: "Pending" };
      addFinalizer(pvc, PVC_PROTECTION_FINALIZER);
    },
    async admit(pvc, old, ...rest) {
      if (!old && pvc.spec && pvc.spec.storageClassName === undefined && options.store) {
        const chosen = defaultClass(await listStorageClasses(options.store));
        if (chosen) pvc.spec.storageClassName = chosen.metadata.name;
      }
      await generic.admit(pvc, old, ...rest);
    },
  };
}
