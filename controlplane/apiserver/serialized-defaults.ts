// The fields Go's API structs always serialize. A Go struct field is written even when empty
// (`omitempty` does not drop structs), so kube-apiserver answers a just-created Deployment with
// `status: {}` and a ReplicaSet with `status: {replicas: 0}` (a non-omitempty int); clients read
// `d.status.availableReplicas` without a check. Filled once, on create, before the one encode:
// later writes carry them over (keepStatus). Custom resources are unstructured: nothing is added.
import type { KObject, ResourceType } from "../../api/resource";
import { customInfo } from "./crd/custom-type";

/** Status fields without omitempty in the Go types, per kind (the rest start as `{}`). */
const ZERO_STATUS: Record<string, Record<string, unknown>> = {
  "apps/ReplicaSet": { replicas: 0 },
  "/ReplicationController": { replicas: 0 },
};

/** Kinds whose spec is a struct that may arrive absent (Node, Namespace, Lease, ResourceQuota). */
const SPEC_KINDS = new Set(["/Node", "/Namespace", "/ResourceQuota", "coordination.k8s.io/Lease"]);

/** Gives a built-in object being created the empty status and spec Kubernetes would serialize. */
export function fillAlwaysSerialized(rt: ResourceType, obj: KObject): void {
  if (customInfo(rt)) return;
  const key = `${rt.group}/${rt.kind}`;
  if (obj.spec === undefined && SPEC_KINDS.has(key)) obj.spec = {};
  if (obj.status === undefined && rt.subresources.includes("status")) obj.status = { ...ZERO_STATUS[key] };
}
