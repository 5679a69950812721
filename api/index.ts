// The served resources: one ResourceType per kind, plus lookups by URL and by apiVersion/kind.
import { Deployment, ReplicaSet, Scale } from "./apps";
import { defaultDeployment, defaultReplicaSet, validateDeployment, validateReplicaSet, validateSelectorUpdate } from "./apps-rules";
import { customresourcedefinitions } from "./apiextensions-resource";
import { daemonsets } from "./apps-daemonset";
import { statefulsets } from "./apps-statefulset-resource";
import { controllerrevisions } from "./apps-controllerrevision";
import { cronjobs, jobs } from "./batch-resources";
import { persistentvolumeclaims, persistentvolumes, storageclasses } from "./storage-resources";
import { serviceaccounts } from "./serviceaccount";
import { horizontalpodautoscalers } from "./autoscaling-resource";
import { Lease } from "./coordination";
import { Binding, ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service } from "./core";
import { defaultNamespace, defaultPod, defaultSecret, defaultService } from "./corev1/defaults";
import {
  validateBinding,
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateImmutableData,
  validateNode,
  validateSecret,
  validateService,
  validateServiceUpdate,
} from "./corev1/validate";
import { validatePod, validatePodUpdate } from "./corev1/validate-pod";
import { apiVersionOf, defineResource, type DefinedResource } from "./define";
import { EndpointSlice } from "./discovery";
import { defaultEndpointSlice, validateEndpointSlice, validateEndpointSliceUpdate } from "./discovery-rules";
import { GitRepository, gitRepositoryDefaults } from "./gitops";
import { NetworkPolicy } from "./networking";
import { defaultNetworkPolicy, validateNetworkPolicy } from "./networking-rules";
import { rbacResources } from "./rbac";
import { certificatesigningrequests } from "./certificates";
import type { KObject } from "./resource";
import { fieldError, isDNS1035Label, isDNS1123Label } from "./validation";

const get = (path: string) => (obj: KObject): string | undefined => {
  let cur: unknown = obj;
  for (const p of path.split(".")) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
  return cur === undefined || cur === null ? undefined : String(cur);
};
const selectors = (...paths: string[]) => Object.fromEntries(paths.map((p) => [p, get(p)]));
/** Booleans select as "true"/"false", absent meaning false (strconv.FormatBool of Go's zero value). */
const bool = (path: string) => (obj: KObject) => (get(path)(obj) === "true" ? "true" : "false");

export const namespaces = defineResource<Namespace>({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  shortNames: ["ns"],
  subresources: ["status"],
  schema: Namespace,
  nameValidator: isDNS1123Label,
  defaults: defaultNamespace,
  fieldSelectors: selectors("status.phase"),
});

export const pods = defineResource<Pod>({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  subresources: ["status", "binding", "log", "proxy", "ephemeralcontainers", "exec", "attach", "portforward"],
  schema: Pod,
  defaults: defaultPod,
  validateObject: validatePod,
  validateUpdate: validatePodUpdate,
  fieldSelectors: selectors(
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ),
});
pods.fieldSelectors!["spec.hostNetwork"] = bool("spec.hostNetwork");

export const nodes = defineResource<Node>({
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  namespaced: false,
  shortNames: ["no"],
  subresources: ["status", "proxy"],
  schema: Node,
  validateObject: validateNode,
  fieldSelectors: { "spec.unschedulable": bool("spec.unschedulable") },
});

export const services = defineResource<Service>({
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  subresources: ["status", "proxy"],
  schema: Service,
  nameValidator: isDNS1035Label,
  defaults: defaultService,
  validateObject: validateService,
  validateUpdate: validateServiceUpdate,
});

export const endpoints = defineResource<Endpoints>({
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  singular: "endpoints",
  namespaced: true,
  shortNames: ["ep"],
  schema: Endpoints,
  validateObject: validateEndpoints,
});

export const endpointslices = defineResource<EndpointSlice>({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  namespaced: true,
  schema: EndpointSlice,
  defaults: defaultEndpointSlice,
  validateObject: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
});

export const networkpolicies = defineResource<NetworkPolicy>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  namespaced: true,
  shortNames: ["netpol"],
  schema: NetworkPolicy,
  defaults: defaultNetworkPolicy,
  validateObject: validateNetworkPolicy,
});

export const configmaps = defineResource<ConfigMap>({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
  shortNames: ["cm"],
  schema: ConfigMap,
  validateObject: validateConfigMap,
  validateUpdate: validateImmutableData,
});

export const secrets = defineResource<Secret>({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
  schema: Secret,
  defaults: defaultSecret,
  validateObject: validateSecret,
  validateUpdate: validateImmutableData,
  fieldSelectors: selectors("type"),
});

export const events = defineResource<Event>({
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  shortNames: ["ev"],
  schema: Event,
  validateObject: validateEvent,
  fieldSelectors: selectors(
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ),
});
// "source" selects on source.component, as Kubernetes' event field selector does.
events.fieldSelectors!.source = get("source.component");

export const deployments = defineResource<Deployment>({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
  shortNames: ["deploy"],
  categories: ["all"],
  subresources: ["status", "scale"],
  schema: Deployment,
  defaults: defaultDeployment,
  validateObject: validateDeployment,
  validateUpdate: validateSelectorUpdate,
});

export const replicasets = defineResource<ReplicaSet>({
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  namespaced: true,
  shortNames: ["rs"],
  categories: ["all"],
  subresources: ["status", "scale"],
  schema: ReplicaSet,
  defaults: defaultReplicaSet,
  validateObject: validateReplicaSet,
  validateUpdate: validateSelectorUpdate,
});

export const leases = defineResource<Lease>({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
  schema: Lease,
  fieldSelectors: selectors("spec.holderIdentity"),
});

export const gitrepositories = defineResource<GitRepository>({
  group: "gitops.kubelab.io",
  version: "v1alpha1",
  kind: "GitRepository",
  plural: "gitrepositories",
  namespaced: true,
  shortNames: ["gitrepo"],
  subresources: ["status"],
  schema: GitRepository,
  defaults(repo) {
    repo.spec.interval ??= gitRepositoryDefaults.interval;
    repo.spec.prune ??= gitRepositoryDefaults.prune;
    repo.spec.selfHeal ??= gitRepositoryDefaults.selfHeal;
    repo.spec.suspend ??= gitRepositoryDefaults.suspend;
  },
  validateObject(repo) {
    const out = [];
    if (!repo.spec.url.trim()) out.push(fieldError.required("spec.url"));
    else if (!/^(https?|ssh|git|file):\/\//.test(repo.spec.url) && !/^[\w.-]+@[\w.-]+:/.test(repo.spec.url) && !repo.spec.url.startsWith("/")) {
      out.push(fieldError.invalid("spec.url", repo.spec.url, "must be an http(s)://, ssh://, git:// or file:// URL, an scp-like address (git@host:path) or an absolute path"));
    }
    (repo.spec.paths ?? []).forEach((p, i) => {
      if (p.split("/").includes("..")) out.push(fieldError.invalid(`spec.paths[${i}]`, p, "must not contain '..'"));
    });
    if (repo.spec.secretRef && !repo.spec.secretRef.name) out.push(fieldError.required("spec.secretRef.name"));
    return out;
  },
});

export { cronjobs, jobs } from "./batch-resources";
export { daemonsets } from "./apps-daemonset";
export { statefulsets } from "./apps-statefulset-resource";
export { controllerrevisions } from "./apps-controllerrevision";
export { persistentvolumeclaims, persistentvolumes, storageclasses } from "./storage-resources";
export { serviceaccounts } from "./serviceaccount";
export { horizontalpodautoscalers } from "./autoscaling-resource";
export { customresourcedefinitions } from "./apiextensions-resource";
export { clusterrolebindings, clusterroles, rolebindings, roles } from "./rbac";
export { authorizationReviewResources } from "./authorization";
export { certificatesigningrequests } from "./certificates";

/** Every served resource, in discovery order. */
export const resourceTypes: DefinedResource[] = [
  namespaces,
  pods,
  nodes,
  services,
  endpoints,
  configmaps,
  secrets,
  serviceaccounts,
  events,
  deployments,
  replicasets,
  daemonsets,
  statefulsets,
  controllerrevisions,
  jobs,
  cronjobs,
  horizontalpodautoscalers,
  leases,
  endpointslices,
  networkpolicies,
  gitrepositories,
  persistentvolumes,
  persistentvolumeclaims,
  storageclasses,
  customresourcedefinitions,
  ...rbacResources,
  certificatesigningrequests,
];

/** Not served as resources of their own; the bodies of the binding and scale subresources. */
export const bindingType = defineResource<Binding>({
  group: "",
  version: "v1",
  kind: "Binding",
  plural: "bindings",
  namespaced: true,
  verbs: ["create"],
  schema: Binding,
  validateObject: validateBinding,
});

export const scaleType = defineResource<Scale>({
  group: "autoscaling",
  version: "v1",
  kind: "Scale",
  plural: "scales",
  namespaced: true,
  verbs: ["get", "patch", "update"],
  schema: Scale,
  validateObject: (s) => (s.spec?.replicas !== undefined && s.spec.replicas < 0 ? [fieldError.invalid("spec.replicas", s.spec.replicas, "must be greater than or equal to 0")] : []),
});

/** The resource served at /api(s)/<group>/<version>/<plural>; group "" is the core group. */
export function findResource(group: string, version: string, plural: string): DefinedResource | undefined {
  return resourceTypes.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource of an object's apiVersion ("v1", "apps/v1") and kind. */
export function findByKind(apiVersion: string, kind: string): DefinedResource | undefined {
  return resourceTypes.find((r) => apiVersionOf(r.group, r.version) === apiVersion && r.kind === kind);
}

