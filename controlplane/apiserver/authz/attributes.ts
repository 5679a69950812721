// A request's authorization attributes from what the chain parsed (Kubernetes'
// GetAuthorizerAttributes): resource requests by group, resource, subresource, namespace and
// name; everything else by its path.
import type { RequestInfo } from "../filter";
import type { Attributes, UserInfo } from "./authorizer";

/** Who a request is when nobody authenticated it. */
export const ANONYMOUS: UserInfo = Object.freeze({ name: "system:anonymous", uid: "", groups: Object.freeze(["system:unauthenticated"]) as string[] });

export function requestAttributes(info: RequestInfo, user: UserInfo): Attributes {
  const rp = info.resource;
  if (!rp) {
    return { user, verb: info.verb, isResourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path: info.url.pathname };
  }
  // A namespace is itself named by the namespace it is (GET /api/v1/namespaces/x is "x" in "x").
  const namespace = rp.namespace ?? (rp.group === "" && rp.plural === "namespaces" && rp.name ? rp.name : "");
  return {
    user,
    verb: info.verb,
    isResourceRequest: true,
    apiGroup: rp.group,
    apiVersion: rp.version,
    resource: rp.plural,
    subresource: rp.subresource ?? "",
    namespace,
    name: rp.name ?? "",
    path: info.url.pathname,
    labelSelector: info.url.searchParams.get("labelSelector") ?? "",
  };
}
