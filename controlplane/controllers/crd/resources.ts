// The custom resources a cluster serves, as clients see them: the CRD resource itself and, for
// each CRD, a ResourceRef of its kind. What the namespace controller empties and the garbage
// collector follows beyond the built-in kinds (kube-controller-manager finds them through
// discovery; here the CRDs are the source of truth for the same list).
import type { CustomResourceDefinition } from "../../../api/apiextensions";
import type { ApiClient, ResourceRef } from "../../../client";
import { customresourcedefinitions } from "../../../client/resources";


/** The kind a CRD defines, at its storage version when served (else its first served one). */
export function customResourceRef(crd: CustomResourceDefinition): ResourceRef | undefined {
  const served = crd.spec.versions.filter((v) => v.served);
  const version = served.find((v) => v.storage) ?? served[0];
  if (!version) return undefined;
  return { group: crd.spec.group, version: version.name, plural: crd.spec.names.plural, kind: crd.spec.names.kind, namespaced: crd.spec.scope === "Namespaced" };
}

/** Is the CRD serving its resource (Established, not being deleted)? */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return Boolean(crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
}

/** The kinds the cluster's established CRDs define; only the namespaced ones when asked. */
export async function customResourceRefs(client: ApiClient, scope?: "Namespaced" | "Cluster"): Promise<ResourceRef[]> {
  const list = await client.listAll<CustomResourceDefinition & { metadata: { name?: string } }>(customresourcedefinitions);
  return list.items
    .filter(isEstablished)
    .map(customResourceRef)
    .filter((r): r is ResourceRef => r !== undefined && (scope === undefined || r.namespaced === (scope === "Namespaced")));
}
