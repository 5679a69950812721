// withAuthorization: may this user do this? The request's attributes (Kubernetes'
// GetAuthorizerAttributes: verb, group, resource, subresource, namespace, name, or the path of a
// non-resource request) go to the authorizer (the union of --authorization-mode); anything but
// Allow is a 403 with Kubernetes' message. Without an authorizer (a server with no
// authentication, or --authorization-mode=AlwaysAllow) every request passes.
import { ANONYMOUS, requestAttributes, type Authorizer } from "../authz";
import { forbidden } from "../authz/forbidden";
import { requestInfo, type Filter } from "../filter";

export function withAuthorization(authorizer: Authorizer | undefined): Filter {
  return (next) => {
    if (!authorizer) return next;
    // A plain function: an allowed request costs one attributes object and the lookups.
    return (ctx) => {
      const a = requestAttributes(requestInfo(ctx), ctx.user ?? ANONYMOUS);
      const r = authorizer.authorize(a);
      if (r.decision === "Allow") return next(ctx);
      return Promise.reject(forbidden(a, r.reason));
    };
  };
}
