// The Node authorizer (Kubernetes' plugin/pkg/auth/authorizer/node, mode "Node"): requests of a
// node identity (user system:node:<name> in group system:nodes) are judged by what the node's
// pods need, so one worker's credential cannot read the cluster's Secrets or rewrite another
// node:
// - Secrets, ConfigMaps, PersistentVolumeClaims, PersistentVolumes and ServiceAccount tokens:
//   get only, and only those a pod bound to the node uses (node-graph.ts);
// - its own Node object and status, its own Lease in kube-node-lease;
// - its pods' status, deletion and eviction; pod creates (mirror pods, checked by NodeRestriction);
// - events; and reading what a kubelab agent serves besides the kubelet's work: Services,
//   Endpoints, EndpointSlices, NetworkPolicies, Namespaces, Nodes and Pods (the agent is also
//   kube-proxy and the node's DNS, which Kubernetes runs under identities of their own).
// Anything else, and every request of a user that is not a node, gets no opinion (RBAC decides).
import { LOCAL_PATH_NODE_LABEL } from "../../../api/storage-names";
import { NODES_GROUP, NODE_USER_PREFIX } from "../../../api/node-identity";
import type { Attributes, AuthorizationResult, Authorizer } from "./authorizer";
import { ALLOW, NO_OPINION } from "./authorizer";
import type { NodeGraph, RefKind } from "./node-graph";


/** The node a user is, when it is a node identity. */
export function nodeNameOf(user: { name: string; groups: readonly string[] }): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}

const READ = new Set(["get", "list", "watch"]);
const WRITE_OWN = new Set(["get", "create", "update", "patch", "delete"]);

/** Resources a node may read in full, by "group/resource". */
const READABLE = new Set([
  "/nodes", "/pods", "/services", "/endpoints", "/namespaces",
  "discovery.k8s.io/endpointslices", "networking.k8s.io/networkpolicies",
  "node.k8s.io/runtimeclasses", "storage.k8s.io/csinodes", "storage.k8s.io/csidrivers", "storage.k8s.io/storageclasses", "storage.k8s.io/volumeattachments",
  "certificates.k8s.io/certificatesigningrequests",
]);

const noOpinion = (reason: string): AuthorizationResult => ({ decision: "NoOpinion", reason });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizationResult {
    const node = nodeNameOf(a.user);
    if (!node || !a.isResourceRequest) return NO_OPINION;
    const gr = `${a.apiGroup}/${a.resource}`;
    switch (gr) {
      case "/secrets":
      case "/configmaps":
      case "/persistentvolumeclaims":
        return this.related(a, node, a.resource as RefKind);
      case "/persistentvolumes":
        return this.volumes(a, node);
      case "/serviceaccounts":
        if (a.subresource === "token" && a.verb === "create") return this.graph.nodeUses(node, "serviceaccounts", a.namespace, a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
        return this.related(a, node, "serviceaccounts");
      case "coordination.k8s.io/leases":
        return this.lease(a, node);
      case "/nodes":
        return this.nodes(a, node);
      case "/pods":
        return this.pods(a, node);
      case "/events":
      case "events.k8s.io/events":
        return ["create", "update", "patch"].includes(a.verb) ? ALLOW : NO_OPINION;
      case "authentication.k8s.io/tokenreviews":
      case "authorization.k8s.io/subjectaccessreviews":
        return a.verb === "create" ? ALLOW : NO_OPINION;
      case "certificates.k8s.io/certificatesigningrequests":
        if (a.verb === "create" && !a.subresource) return ALLOW;
    }
    return READABLE.has(gr) && READ.has(a.verb) && !a.subresource ? ALLOW : NO_OPINION;
  }

  /** get of one object a pod on the node uses. */
  private related(a: Attributes, node: string, kind: RefKind): AuthorizationResult {
    if (a.verb !== "get" || !a.name || a.subresource) return noOpinion("can only get individual resources of this type");
    return this.graph.nodeUses(node, kind, a.namespace, a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  /**
   * The volumes its pods use; and the node-local volumes provisioned on it (kubelab's local-path
   * provisioner labels them with the node): listed and watched with exactly that selector, and
   * updated to drop the cleanup finalizer once their directory is gone (NodeRestriction checks the
   * label and that nothing else changes).
   */
  private volumes(a: Attributes, node: string): AuthorizationResult {
    const ownSelector = `${LOCAL_PATH_NODE_LABEL}=${node}`;
    if ((a.verb === "list" || a.verb === "watch") && !a.name && a.labelSelector === ownSelector) return ALLOW;
    if ((a.verb === "update" || a.verb === "patch") && a.name && !a.subresource) return ALLOW;
    if (a.verb !== "get" || !a.name) return noOpinion("can only get individual resources of this type");
    return this.graph.nodeUsesVolume(node, a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  private lease(a: Attributes, node: string): AuthorizationResult {
    if (a.namespace !== "kube-node-lease" || !WRITE_OWN.has(a.verb) || (a.name !== node && !(a.verb === "create" && a.name === ""))) {
      return noOpinion("can only access node lease with the same name as the requesting node");
    }
    return ALLOW;
  }

  private nodes(a: Attributes, node: string): AuthorizationResult {
    if (READ.has(a.verb) && !a.subresource) return ALLOW;
    // A create names its node in the body: NodeRestriction checks it.
    if (a.verb === "create" && !a.subresource) return ALLOW;
    if (!["update", "patch", "delete"].includes(a.verb) || (a.subresource && a.subresource !== "status")) return NO_OPINION;
    return a.name === node ? ALLOW : noOpinion(`node '${node}' cannot modify node '${a.name}'`);
  }

  private pods(a: Attributes, node: string): AuthorizationResult {
    if (!a.subresource && (READ.has(a.verb) || a.verb === "create")) return ALLOW;
    const own = (ok: boolean) => (ok ? ALLOW : noOpinion(`node '${node}' can only modify pods bound to itself`));
    const bound = this.graph.nodeOfPod(a.namespace, a.name) === node;
    // No update of a pod's spec or metadata, even its own: the kubelet writes only status.
    if (!a.subresource && a.verb === "delete") return own(bound);
    if (a.subresource === "status" && ["get", "update", "patch"].includes(a.verb)) return own(bound);
    if (a.subresource === "eviction" && a.verb === "create") return own(bound);
    return NO_OPINION;
  }
}
