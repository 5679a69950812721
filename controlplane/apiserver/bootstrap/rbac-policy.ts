// The default roles and bindings every server makes sure exist at start (Kubernetes'
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters, the
// user-facing admin/edit/view aggregated from their aggregate-to-* parts, discovery, basic-user and
// public-info for everyone, and one role per component of the control plane. kubelab's own kinds
// (GitRepository) join view/edit/admin through the same aggregation labels a CRD's roles use.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from "../../../api/rbac";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE = [...READ, ...WRITE];

export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
export const AGGREGATE_TO = (role: "admin" | "edit" | "view") => `rbac.authorization.k8s.io/aggregate-to-${role}`;

/** The user each in-process component authenticates as (bootstrap/rbac-components.ts mints their tokens). */
export const COMPONENT_USERS = {
  scheduler: "system:kube-scheduler",
  controllerManager: "system:kube-controller-manager",
  gitSync: "system:kubelab:git-sync",
} as const;

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const url = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: "admin" | "edit" | "view" } = {}): ClusterRole {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: {
      name,
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...extra.labels },
      annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
    },
    ...(extra.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(extra.aggregateFrom)]: "true" } }] } } : {}),
    rules: extra.aggregateFrom ? [] : rules,
  };
}

const user = (name: string): Subject => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name });
const group = (name: string): Subject => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });

function clusterRoleBinding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" }, annotations: { [AUTOUPDATE_ANNOTATION]: "true" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects,
  };
}

const viewRules: PolicyRule[] = [
  r(READ, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
  r(READ, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
  r(READ, [""], ["namespaces"]),
  r(READ, ["discovery.k8s.io"], ["endpointslices"]),
  r(READ, ["apps"], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
  r(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
  // metrics-server's system:aggregated-metrics-reader aggregates into view, edit and admin.
  r(READ, ["metrics.k8s.io"], ["pods", "nodes"]),
  r(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
  r(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
  r(READ, ["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"]),
];

const editRules: PolicyRule[] = [
  r(["impersonate"], [""], ["serviceaccounts"]),
  r(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
  r(["create"], [""], ["pods/eviction"]),
  r(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"]),
  r(["create"], [""], ["serviceaccounts/token"]),
  r(WRITE, ["apps"], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"]),
  r(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
  r(WRITE, ["batch"], ["jobs", "cronjobs"]),
  r(WRITE, ["policy"], ["poddisruptionbudgets"]),
  r(WRITE, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
  r(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
  // Read on the resources that escalate (a Secret's token, a shell in a pod).
  r(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
];

const adminRules: PolicyRule[] = [
  r(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
  r(READ_WRITE, ["rbac.authorization.k8s.io"], ["rolebindings", "roles"]),
];

const schedulerRules: PolicyRule[] = [
  r(["create"], ["coordination.k8s.io"], ["leases"]),
  r(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
  r(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
  r(READ, [""], ["nodes", "namespaces", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"]),
  r(["delete", ...READ], [""], ["pods"]),
  r(["create"], [""], ["bindings", "pods/binding"]),
  r(["patch", "update"], [""], ["pods/status"]),
  r(READ, ["apps"], ["replicasets", "statefulsets"]),
  r(READ, ["policy"], ["poddisruptionbudgets"]),
  r(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  r(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
];

/**
 * The controllers run in one process with one identity, so the controller manager's role is the
 * union of Kubernetes' system:controller:* roles for the controllers kubelab has: the garbage
 * collector and the namespace controller may read and remove anything (as theirs may); the rest
 * create what they own.
 */
const controllerManagerRules: PolicyRule[] = [
  r([...READ, "patch", "update", "delete", "deletecollection"], ["*"], ["*"]),
  // StatefulSets create their claims, the local-path provisioner its volumes.
  r(["create"], [""], ["pods", "events", "endpoints", "serviceaccounts", "secrets", "configmaps", "serviceaccounts/token", "persistentvolumeclaims", "persistentvolumes"]),
  r(["create"], ["events.k8s.io"], ["events"]),
  // StatefulSets and DaemonSets keep their history as ControllerRevisions.
  r(["create"], ["apps"], ["replicasets", "controllerrevisions"]),
  r(["create"], ["batch"], ["jobs"]),
  r(["create"], ["discovery.k8s.io"], ["endpointslices"]),
  r(["create"], ["coordination.k8s.io"], ["leases"]),
  // The ClusterRole aggregation controller writes rules it may not hold itself.
  r(["escalate"], ["rbac.authorization.k8s.io"], ["clusterroles"]),
  r(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  r(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
  // The CSR approver and signer (system:controller:certificate-controller).
  r(["approve", "sign"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kube-apiserver-client"]),
];

/** Kubernetes' system:volume-scheduler: the scheduler's volume binding reads volumes and classes and marks a claim's selected node. */
const volumeSchedulerRules: PolicyRule[] = [
  r(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
  r(READ, ["storage.k8s.io"], ["storageclasses"]),
  r(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"]),
];

/** The kubelet TLS bootstrap's roles (bootstrappolicy's), bound as kubeadm binds them. */
const CSR = "certificates.k8s.io";
const nodeBootstrapRoles = () => [
  clusterRole("system:node-bootstrapper", [r(["create", "get", "list", "watch"], [CSR], ["certificatesigningrequests"])]),
  clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [r(["create"], [CSR], ["certificatesigningrequests/nodeclient"])]),
  clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [r(["create"], [CSR], ["certificatesigningrequests/selfnodeclient"])]),
  clusterRole("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", [r(["approve"], [CSR], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"])]),
];

/** Bootstrappers may ask for a node certificate, which is approved; nodes may renew their own. */
const nodeBootstrapBindings = () => [
  clusterRoleBinding("kubelab:kubelet-bootstrap", "system:node-bootstrapper", [group("system:bootstrappers")]),
  clusterRoleBinding("kubelab:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", [group("system:bootstrappers")]),
  clusterRoleBinding("kubelab:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [group("system:nodes")]),
];

/**
 * git-sync's own user keeps its GitRepositories (and creates the one of --gitops-repo), their
 * status, Events and its Lease; everything a repository applies, prunes or reads (its Secrets
 * too) goes as that repository's ServiceAccount, impersonated (controlplane/gitsync/identity.ts).
 */
const gitSyncRules: PolicyRule[] = [
  r([...READ, "create", "patch", "update"], ["gitops.kubelab.io"], ["gitrepositories"]),
  r(["patch", "update"], ["gitops.kubelab.io"], ["gitrepositories/status"]),
  r(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
  r(["create", "get", "update"], ["coordination.k8s.io"], ["leases"]),
  r(["impersonate"], [""], ["serviceaccounts"]),
];

/** Kubernetes' system:kubelet-api-admin: everything a kubelet's API serves. */
const kubeletApiAdminRules: PolicyRule[] = [
  r(READ, [""], ["nodes"]),
  r(["proxy"], [""], ["nodes"]),
  r(["*"], [""], ["nodes/proxy", "nodes/metrics", "nodes/spec", "nodes/stats", "nodes/log"]),
];

/** The user the API server presents to node agents (subresources/node-proxy-credential.ts). */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

const DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"];
const PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole("cluster-admin", [r(["*"], ["*"], ["*"]), url(["*"], ["*"])]),
    clusterRole("admin", [], { aggregateFrom: "admin" }),
    clusterRole("edit", [], { aggregateFrom: "edit", labels: { [AGGREGATE_TO("admin")]: "true" } }),
    clusterRole("view", [], { aggregateFrom: "view", labels: { [AGGREGATE_TO("edit")]: "true" } }),
    clusterRole("system:aggregate-to-admin", adminRules, { labels: { [AGGREGATE_TO("admin")]: "true" } }),
    clusterRole("system:aggregate-to-edit", editRules, { labels: { [AGGREGATE_TO("edit")]: "true" } }),
    clusterRole("system:aggregate-to-view", viewRules, { labels: { [AGGREGATE_TO("view")]: "true" } }),
    clusterRole("system:kubelab:aggregate-gitops-to-edit", [r(WRITE, ["gitops.kubelab.io"], ["gitrepositories"])], { labels: { [AGGREGATE_TO("edit")]: "true" } }),
    clusterRole("system:kubelab:aggregate-gitops-to-view", [r(READ, ["gitops.kubelab.io"], ["gitrepositories", "gitrepositories/status"])], { labels: { [AGGREGATE_TO("view")]: "true" } }),
    clusterRole("system:discovery", [url(["get"], DISCOVERY_URLS)]),
    clusterRole("system:basic-user", [
      r(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      r(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:public-info-viewer", [url(["get"], PUBLIC_INFO_URLS)]),
    clusterRole("system:monitoring", [url(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/readyz", "/readyz/*"])]),
    clusterRole("system:kube-scheduler", schedulerRules),
    clusterRole("system:kube-controller-manager", controllerManagerRules),
    clusterRole("system:volume-scheduler", volumeSchedulerRules),
    clusterRole("system:kubelab:git-sync", gitSyncRules),
    clusterRole("system:kubelet-api-admin", kubeletApiAdminRules),
    // The git-sync webhook (/hooks/...) checks its own token, so anyone may reach it.
    clusterRole("system:kubelab:webhooks", [url(["get", "post"], ["/hooks/*"])]),
    ...nodeBootstrapRoles(),
  ];
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding("cluster-admin", "cluster-admin", [group("system:masters")]),
    clusterRoleBinding("system:discovery", "system:discovery", [group("system:authenticated")]),
    clusterRoleBinding("system:basic-user", "system:basic-user", [group("system:authenticated")]),
    clusterRoleBinding("system:public-info-viewer", "system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
    clusterRoleBinding("system:monitoring", "system:monitoring", [group("system:monitoring")]),
    clusterRoleBinding("system:kube-scheduler", "system:kube-scheduler", [user(COMPONENT_USERS.scheduler)]),
    clusterRoleBinding("system:kube-controller-manager", "system:kube-controller-manager", [user(COMPONENT_USERS.controllerManager)]),
    clusterRoleBinding("system:volume-scheduler", "system:volume-scheduler", [user(COMPONENT_USERS.scheduler)]),
    clusterRoleBinding("system:kubelab:git-sync", "system:kubelab:git-sync", [user(COMPONENT_USERS.gitSync)]),
    // The API server towards node agents, as kubeadm binds its kube-apiserver-kubelet-client certificate.
    clusterRoleBinding("system:kubelab:kubelet-api-admin", "system:kubelet-api-admin", [user(KUBELET_CLIENT_USER)]),
    clusterRoleBinding("system:kubelab:webhooks", "system:kubelab:webhooks", [group("system:authenticated"), group("system:unauthenticated")]),
    ...nodeBootstrapBindings(),
  ];
}
