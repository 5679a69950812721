// NodeRestriction admission (Kubernetes' plugin/pkg/admission/noderestriction): what the Node
// authorizer cannot see in a URL, checked on the object a node writes. A node identity
// (system:node:<name>, group system:nodes) may create only mirror pods of its own static pods,
// bound to itself, owned by nothing but its Node, and using no Secrets, ConfigMaps, claims or
// ServiceAccount of the cluster; it may create or change only its own Node, without
// node-restriction.kubernetes.io/ labels and without touching its taints; and only its own Lease.
// Everyone else passes untouched.
import type { Node, Pod } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import { LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_NODE_LABEL } from "../../../api/storage-names";
import { ApiError, qualifiedResource } from "../errors";
import { nodeNameOf } from "../authz/node";
import { podReferences } from "../authz/node-graph";
import type { Strategy } from "../strategies/strategy";
import type { AdmissionAttributes } from "./attributes";

export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
const RESTRICTED_LABEL_PREFIX = "node-restriction.kubernetes.io/";

type Check = (node: string, obj: KObject, old: KObject | undefined, attrs: AdmissionAttributes) => string | undefined;

/** The reason a node may not create this pod, if any. */
const checkPod: Check = (node, obj, old) => {
  if (old) return undefined; // updates: the Node authorizer already limits them to the node's own pods
  const pod = obj as KObject & Pod;
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
    return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
  }
  if (pod.spec.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
  if (owners.length === 1 && (owners[0]!.kind !== "Node" || owners[0]!.name !== node || owners[0]!.apiVersion !== "v1")) {
    return `node "${node}" can only create pods with an owner reference set to itself`;
  }
  const used = podReferences(pod.metadata.namespace ?? "", pod.metadata.name ?? "", pod.spec);
  // Every pod names a ServiceAccount ("default" when none is given); a mirror pod gets no token from it.
  const sa = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
  if (sa && sa !== "default") return `node "${node}" can not create pods that use service accounts`;
  for (const [kind, word] of [["secrets/", "secrets"], ["configmaps/", "configmaps"], ["persistentvolumeclaims/", "persistentvolumeclaims"]] as const) {
    if (used.some((r) => r.startsWith(kind))) return `node "${node}" can not create pods that reference ${word}`;
  }
  return undefined;
};

const checkNode: Check = (node, obj, old) => {
  const n = obj as KObject & Node;
  if (n.metadata.name !== node) return `node "${node}" is not allowed to modify node "${n.metadata.name}"`;
  const labels = n.metadata.labels ?? {};
  const oldLabels = old?.metadata.labels ?? {};
  const restricted = Object.keys({ ...labels, ...(old ? oldLabels : {}) })
    .filter((k) => k.startsWith(RESTRICTED_LABEL_PREFIX) && labels[k] !== oldLabels[k])
    .sort();
  if (restricted.length) return `node "${node}" is not allowed to ${old ? "modify" : "set the following"} labels: ${restricted.join(", ")}`;
  if (old && JSON.stringify(n.spec?.taints ?? []) !== JSON.stringify((old as KObject & Node).spec?.taints ?? [])) return `node "${node}" is not allowed to modify taints`;
  return undefined;
};

const checkLease: Check = (node, obj) =>
  obj.metadata.namespace === "kube-node-lease" && obj.metadata.name === node ? undefined : "can only access node lease with the same name as the requesting node";

/** A node changes a PersistentVolume only to drop the local-path cleanup finalizer of one provisioned on it. */
const checkVolume: Check = (node, obj, old) => {
  if (!old) return `node "${node}" can not create persistentvolumes`;
  if (old.metadata.labels?.[LOCAL_PATH_NODE_LABEL] !== node) return `node "${node}" can only modify persistentvolumes provisioned on it`;
  const strip = (o: KObject) => ({ ...o, metadata: { ...o.metadata, finalizers: undefined, resourceVersion: undefined, managedFields: undefined } });
  const removedOnly = (old.metadata.finalizers ?? []).filter((f) => !(obj.metadata.finalizers ?? []).includes(f)).every((f) => f === LOCAL_PATH_CLEANUP_FINALIZER) && (obj.metadata.finalizers ?? []).every((f) => (old.metadata.finalizers ?? []).includes(f));
  if (!removedOnly || JSON.stringify(strip(obj)) !== JSON.stringify(strip(old))) return `node "${node}" can only remove the ${LOCAL_PATH_CLEANUP_FINALIZER} finalizer of a persistentvolume`;
  return undefined;
};

const CHECKS: Record<string, Check> = { "/Pod": checkPod, "/Node": checkNode, "coordination.k8s.io/Lease": checkLease, "/PersistentVolume": checkVolume };

/** `strategy` with NodeRestriction after its own admit, for Pods, Nodes and Leases. */
export function withNodeRestriction(rt: ResourceType, strategy: Strategy): Strategy {
  const check = CHECKS[`${rt.group}/${rt.kind}`];
  if (!check) return strategy;
  return {
    ...strategy,
    async admit(obj, old, attrs) {
      await strategy.admit(obj, old, attrs);
      const node = attrs?.user && nodeNameOf(attrs.user);
      if (!node) return;
      const why = check(node, obj, old, attrs!);
      if (why) {
        const name = obj.metadata.name ?? "";
        throw new ApiError(403, "Forbidden", `${qualifiedResource(rt.plural, rt.group)} "${name}" is forbidden: ${why}`, { name, kind: rt.plural, ...(rt.group ? { group: rt.group } : {}) });
      }
    },
  };
}
