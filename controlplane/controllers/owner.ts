// Owner references the controllers write, and adopting/releasing dependents by patch (conditional
// on the resourceVersion the decision was made from).
import type { OwnerReference } from "../../api/meta";
import type { ApiClient, ResourceRef } from "../../client";

export function controllerRefTo(owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

type Dependent = { metadata: { name?: string; namespace?: string; resourceVersion?: string; ownerReferences?: OwnerReference[] } };

/** Makes `owner` the controller of `obj`. */
export async function adopt(client: ApiClient, res: ResourceRef, obj: Dependent, ref: OwnerReference): Promise<void> {
  const refs = [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  await client.patch(res, obj.metadata.namespace, obj.metadata.name!, { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: refs } }, "merge");
}

/** Removes the reference to owner uid from `obj`. */
export async function release(client: ApiClient, res: ResourceRef, obj: Dependent, ownerUid: string): Promise<void> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  await client.patch(
    res,
    obj.metadata.namespace,
    obj.metadata.name!,
    { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } },
    "merge",
  );
}
