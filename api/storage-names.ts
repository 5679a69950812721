// The storage annotations, finalizers and names the API server, the controllers and the agent
// share (no zod here: the agent imports them).
export const IS_DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
/** The beta annotation Kubernetes still honours next to the GA one. */
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
export const STORAGE_PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner";
export const BETA_STORAGE_PROVISIONER_ANNOTATION = "volume.beta.kubernetes.io/storage-provisioner";
export const PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by";
export const BOUND_BY_CONTROLLER_ANNOTATION = "pv.kubernetes.io/bound-by-controller";
export const BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed";
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";
/** Held on a local-path PV until the agent of its node has removed the directory. */
export const LOCAL_PATH_CLEANUP_FINALIZER = "kubelab.io/local-path-cleanup";
/** Where a node keeps local-path volumes; the agent sets it on its Node (k3s' nodePathMap). */
export const LOCAL_PATH_DIR_ANNOTATION = "kubelab.io/local-path-dir";
export const LOCAL_PATH_PROVISIONER = "kubelab.io/local-path";
/** The node a local-path PV lives on, as a label: the agent watches only its own volumes by it. */
export const LOCAL_PATH_NODE_LABEL = "kubelab.io/local-path-node";
export const DEFAULT_STORAGE_CLASS = "local-path";

/** Is this class the cluster's default (either annotation "true")? */
export function isDefaultClass(sc: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === "true" || a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === "true";
}
