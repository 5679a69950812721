// withAuthentication: who is asking. Sets ctx.user for every request that goes on, refuses with
// 401 the ones that may not. Every authenticated user is in system:authenticated; a request
// without credentials passes only to the health and version paths (as system:anonymous in
// system:unauthenticated), and not even there with --anonymous-auth=false. The git-sync webhook
// (/hooks/) checks its own token. With no authenticator configured at all, everyone passes
// without a user (a server started for tests with no auth flags).
import { ApiError } from "../errors";
import { requestInfo, type Filter, type RequestContext } from "../filter";
import type { AuthOutcome, RequestAuthenticator } from "./request";
import { anonymousUser, withAuthenticatedGroup } from "./user";

/** Kubernetes' anonymous health checks: the paths that need no credentials. */
export const ANONYMOUS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/livez", "/readyz", "/version"]);

export interface AuthenticationFilterConfig {
  authenticate: RequestAuthenticator;
  /** --anonymous-auth (default true). */
  anonymous: boolean;
}

const unauthorized = () => new ApiError(401, "Unauthorized", "Unauthorized");

export function withAuthentication(config: AuthenticationFilterConfig | undefined): Filter {
  return (next) => {
    if (!config) return next;
    const finish = (ctx: RequestContext, out: AuthOutcome): Promise<void> => {
      if (out && "name" in out) {
        ctx.user = withAuthenticatedGroup(out);
        return next(ctx);
      }
      if (out === undefined && mayPassAnonymously(ctx, config.anonymous)) {
        ctx.user = anonymousUser;
        return next(ctx);
      }
      return Promise.reject(unauthorized());
    };
    // A plain function: no promise of its own unless the authenticator needs one (a JWT).
    return (ctx) => {
      // The webhook's Authorization header carries the webhook's own token, not a user's.
      if (requestInfo(ctx).url.pathname.startsWith("/hooks/")) {
        ctx.user = anonymousUser;
        return next(ctx);
      }
      let out: AuthOutcome | Promise<AuthOutcome>;
      try {
        out = config.authenticate(ctx.req);
      } catch (e) {
        return Promise.reject(e);
      }
      return out instanceof Promise ? out.then((o) => finish(ctx, o)) : finish(ctx, out);
    };
  };
}

function mayPassAnonymously(ctx: RequestContext, anonymous: boolean): boolean {
  const path = requestInfo(ctx).url.pathname;
  if (path.startsWith("/hooks/")) return true;
  return anonymous && ANONYMOUS_PATHS.has(path);
}

