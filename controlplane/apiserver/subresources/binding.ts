// pods/binding: the scheduler's POST that sets spec.nodeName once (Kubernetes' BindingREST): the
// Binding's uid and resourceVersion, when given, must be the pod's (preconditions), and its
// annotations are copied to the pod; PodScheduled=True is set in the same write (assignPod), so
// no status write of its own follows. As in Kubernetes, the write goes to storage alone: the
// Binding is validated, not the pod again, and managedFields record no owner of the node name.
import type { KObject } from "../../../api/resource";
import type { Binding, Pod } from "../../../api/core";
import { fieldError, isDNS1123Subdomain, validateAnnotations } from "../../../api/validation";
import { ApiError, invalid } from "../errors";
import { methodNotAllowed, readObject, writeOptions, type ResourceRequest } from "../resource-request";
import { setPodScheduled } from "../strategies/pod";

export async function handleBinding(r: ResourceRequest): Promise<void> {
  if (r.method !== "POST") throw methodNotAllowed(r.method);
  const body = (await readObject(r)) as KObject & Partial<Binding>;
  const name = r.name!;
  const target = body.target?.name ?? "";
  const annotations = body.metadata?.annotations;
  const causes = validateBinding(body);
  if (causes.length > 0) throw invalid("Binding", "", body.metadata?.name ?? name, causes);
  const uid = body.metadata?.uid;
  const resourceVersion = body.metadata?.resourceVersion;
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
    if (annotations && Object.keys(annotations).length > 0) {
      pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
      const tooLong = validateAnnotations(pod.metadata.annotations, "metadata.annotations");
      if (tooLong.length > 0) throw invalid("Pod", "", name, tooLong);
    }
    return pod;
  }, { ...writeOptions(r), subresource: "binding", storageOnly: true });
  r.reply(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

/**
 * Kubernetes' ValidatePodBinding (target.kind empty or Node, target.name given), and what the
 * pod's own validation would have refused in what the binding copies to it: a node name that no
 * Node can have, annotations that are not valid annotations.
 */
function validateBinding(b: Partial<Binding> & KObject) {
  const kind = b.target?.kind;
  const name = b.target?.name;
  return [
    ...(kind && kind !== "Node" ? [fieldError.invalid("target.kind", kind, "must be empty or 'Node'")] : []),
    ...(!name ? [fieldError.required("target.name")] : isDNS1123Subdomain(name).map((e) => fieldError.invalid("target.name", name, e))),
    ...validateAnnotations(b.metadata?.annotations, "metadata.annotations"),
  ];
}
