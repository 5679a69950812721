// Namespaces (Kubernetes' pkg/registry/core/namespace/strategy.go): created Active with the
// "kubernetes" finalizer in spec; only the finalize subresource changes spec.finalizers and only
// status changes status; a delete marks the namespace Terminating until the namespace
// controller has emptied it and removed the finalizer.
import type { Namespace } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import { rfc3339 } from "../../../api/time";
import { propagationFinalizers } from "./delete";
import { genericStrategy, type Strategy } from "./strategy";

type NamespaceObject = KObject & Namespace;

export function namespaceStrategy(rt: ResourceType): Strategy<NamespaceObject> {
  const generic = genericStrategy(rt) as Strategy<NamespaceObject>;
  return {
    ...generic,
    prepareForCreate(ns) {
      ns.spec = { finalizers: ["kubernetes"], ...(ns.spec ?? {}) };
      ns.status = { phase: "Active" };
    },
    prepareForUpdate(next, old, subresource) {
      if (subresource === "finalize") return { ...structuredClone(old), spec: { ...(old.spec ?? {}), finalizers: next.spec?.finalizers ?? [] } };
      if (subresource === "status") return generic.prepareForUpdate(next, old, subresource);
      next.spec = structuredClone(old.spec ?? {});
      next.status = structuredClone(old.status ?? {});
      return next;
    },
    hasFinalizers: (ns) => generic.hasFinalizers(ns) || (ns.spec?.finalizers?.length ?? 0) > 0,
    planDelete(ns, opts) {
      const copy = structuredClone(ns);
      const finalizers = propagationFinalizers(ns, opts);
      if (!copy.metadata.deletionTimestamp) copy.metadata.deletionTimestamp = rfc3339();
      copy.status = { ...(copy.status ?? {}), phase: "Terminating" };
      copy.metadata.finalizers = finalizers.length ? finalizers : undefined;
      if ((copy.spec?.finalizers?.length ?? 0) === 0 && finalizers.length === 0) return {};
      return { update: copy };
    },
  };
}
