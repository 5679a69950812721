// How the client addresses a resource: group, version, plural, scope. Constants for what kubelab
// serves, and the URL paths Kubernetes uses for them.

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural used in URLs: "pods", "deployments". */
  plural: string;
  namespaced: boolean;
  /** The kind of one object, used to fill apiVersion/kind on writes when the body lacks them. */
  kind?: string;
}

const core = (plural: string, kind: string, namespaced = true): ResourceRef => ({
  group: "",
  version: "v1",
  plural,
  kind,
  namespaced,
});

export const pods = core("pods", "Pod");
export const nodes = core("nodes", "Node", false);
export const services = core("services", "Service");
export const endpoints = core("endpoints", "Endpoints");
export const events = core("events", "Event");
export const namespaces = core("namespaces", "Namespace", false);
export const configmaps = core("configmaps", "ConfigMap");
export const secrets = core("secrets", "Secret");
export const persistentvolumes = core("persistentvolumes", "PersistentVolume", false);
export const persistentvolumeclaims = core("persistentvolumeclaims", "PersistentVolumeClaim");
export const storageclasses: ResourceRef = { group: "storage.k8s.io", version: "v1", plural: "storageclasses", kind: "StorageClass", namespaced: false };
export const serviceaccounts = core("serviceaccounts", "ServiceAccount");
export const deployments: ResourceRef = { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true };
export const replicasets: ResourceRef = { group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true };
export const daemonsets: ResourceRef = { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true };
export const statefulsets: ResourceRef = { group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true };
export const horizontalpodautoscalers: ResourceRef = { group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true };
export const podmetrics: ResourceRef = { group: "metrics.k8s.io", version: "v1beta1", plural: "pods", kind: "PodMetrics", namespaced: true };
export const controllerrevisions: ResourceRef = { group: "apps", version: "v1", plural: "controllerrevisions", kind: "ControllerRevision", namespaced: true };
const rbac = (plural: string, kind: string, namespaced: boolean): ResourceRef => ({ group: "rbac.authorization.k8s.io", version: "v1", plural, kind, namespaced });
export const roles = rbac("roles", "Role", true);
export const rolebindings = rbac("rolebindings", "RoleBinding", true);
export const clusterroles = rbac("clusterroles", "ClusterRole", false);
export const clusterrolebindings = rbac("clusterrolebindings", "ClusterRoleBinding", false);
export const customresourcedefinitions: ResourceRef = { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false };
export const endpointslices: ResourceRef = { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", kind: "EndpointSlice", namespaced: true };
export const networkpolicies: ResourceRef = { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true };
export const leases: ResourceRef = { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true };
export const gitrepositories: ResourceRef = {
  group: "gitops.kubelab.io",
  version: "v1alpha1",
  plural: "gitrepositories",
  kind: "GitRepository",
  namespaced: true,
};

/** "v1" or "apps/v1". */
export function apiVersionOf(res: ResourceRef): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/**
 * The URL path of a collection, an object or a subresource:
 * /api/v1/namespaces/ns/pods/name/status, /apis/apps/v1/deployments (all namespaces).
 */
export function resourcePath(res: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${res.plural}`;
  if (name !== undefined) {
    if (name === "") throw new Error(`resource name may not be empty (${res.plural})`);
    path += `/${encodeURIComponent(name)}`;
    if (subresource) path += `/${subresource}`;
  }
  return path;
}
