// Owner references the controllers write and read: the controller reference to put on what an
// owner creates, the one an object carries, and the patches that adopt or release it (conditional
// on the resourceVersion the decision was made from, so a stale decision fails with a Conflict).
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

/** The owner reference marked controller: true, if any. */
export function controllerRef(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

export type Dependent = { metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; ownerReferences?: OwnerReference[] } };

/** Makes `ref`'s owner the controller of `obj`. */
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
