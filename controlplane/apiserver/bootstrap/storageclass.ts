// The default StorageClass `local-path`, created at start when it is missing, as k3s deploys
// its local-path provisioner's class: node-local directories (controllers/localpath provisions
// them), bound when the first pod using the claim is scheduled, deleted with their claim.
import type { KObject, ResourceType } from "../../../api/resource";
import { DEFAULT_STORAGE_CLASS, IS_DEFAULT_CLASS_ANNOTATION, LOCAL_PATH_PROVISIONER, type StorageClass } from "../../../api/storage";
import { storageclasses } from "../../../api/storage-resources";
import { ApiError } from "../errors";
import type { Registry } from "../registry";

export function defaultStorageClass(): KObject & StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: "true" } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

/** Creates local-path unless a class of that name exists (a user's edit of it is kept). */
export async function ensureDefaultStorageClass(registry: Registry, types: readonly ResourceType[]): Promise<void> {
  const rt = types.find((t) => t.group === storageclasses.group && t.plural === storageclasses.plural);
  if (!rt || (await registry.tryGet(rt, undefined, DEFAULT_STORAGE_CLASS))) return;
  try {
    await registry.create(rt, undefined, defaultStorageClass(), { fieldManager: "kubelab-apiserver" });
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === "AlreadyExists")) throw e;
  }
}
