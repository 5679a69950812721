// pods/binding: the scheduler's POST that sets spec.nodeName once (Kubernetes' BindingREST): the
// Binding's uid and resourceVersion, when given, must be the pod's (preconditions), and its
// annotations are copied to the pod; PodScheduled=True is set in the same write (assignPod), so
// no status write of its own follows.
import type { KObject } from "../../../api/resource";
import type { Binding, Pod } from "../../../api/core";
import { ApiError, badRequest } from "../errors";
import { methodNotAllowed, readObject, writeOptions, type ResourceRequest } from "../resource-request";
import { setPodScheduled } from "../strategies/pod";

export async function handleBinding(r: ResourceRequest): Promise<void> {
  if (r.method !== "POST") throw methodNotAllowed(r.method);
  const body = (await readObject(r)) as KObject & Partial<Binding>;
  const target = body.target?.name;
  if (!target) throw badRequest("binding target.name is required");
  const name = r.name!;
  const uid = body.metadata?.uid;
  const resourceVersion = body.metadata?.resourceVersion;
  const annotations = body.metadata?.annotations;
  await r.server.registry.modify(r.rt, r.ns, name, (live) => {
    const pod = live as KObject & Pod;
    if (uid && uid !== pod.metadata.uid) throw new ApiError(409, "Conflict", `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ""}`);
    if (resourceVersion && resourceVersion !== pod.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion ?? ""}`);
    }
    if (pod.metadata.deletionTimestamp) throw new ApiError(409, "Conflict", `pod ${name} is being deleted, cannot be assigned to a host`);
    if (pod.spec.nodeName) throw new ApiError(409, "Conflict", `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = target;
    pod.status ??= {};
    setPodScheduled(pod.status);
    if (annotations && Object.keys(annotations).length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
    return pod;
  }, { ...writeOptions(r), subresource: "binding" });
  r.reply(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}
