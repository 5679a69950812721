// The 403 of a denied request, word for word as Kubernetes' responsewriters.Forbidden and
// apierrors.NewForbidden write it: `pods is forbidden: User "x" cannot list resource "pods" in
// API group "" in the namespace "y"`, with the group, resource and name in the Status details.
import { ApiError } from "../errors";
import type { Attributes } from "./authorizer";

export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.isResourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`;
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
}

/** NewForbidden(groupResource, name, msg[: reason]). */
export function forbidden(a: Attributes, reason: string): ApiError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.isResourceRequest) return new ApiError(403, "Forbidden", `forbidden: ${msg}`, {});
  const gr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const head = a.name ? `${gr} "${a.name}"` : gr;
  return new ApiError(403, "Forbidden", `${head} is forbidden: ${msg}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { group: a.apiGroup } : {}),
    kind: a.resource,
  });
}
