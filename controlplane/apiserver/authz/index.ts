// Authorization for the API server: the modes of --authorization-mode built into one union
// authorizer (default Node,RBAC), the RBAC cache they read kept in sync with the store, and the
// pieces the filters and the review endpoints share.
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import type { Authorizer, RuleResolver } from "./authorizer";
import { RBACAuthorizer } from "./rbac";
import { RbacCache, syncRbacCache, type RbacTypes } from "./rbac-cache";
import { alwaysAllow, alwaysDeny, UnionAuthorizer, type AuthorizationMode } from "./union";

export * from "./authorizer";
export { ANONYMOUS, requestAttributes } from "./attributes";
export { AUTHORIZATION_MODES, DEFAULT_AUTHORIZATION_MODES, parseAuthorizationModes, type AuthorizationMode } from "./union";
export { RBACAuthorizer } from "./rbac";

export interface AuthorizationOptions {
  modes: AuthorizationMode[];
  store: Store;
  types: ResourceType[];
  logger: Logger;
  /** The Node authorizer (authz/node*.ts); without it, mode Node has no opinion on anything. */
  node?: Authorizer;
}

export interface Authorization {
  authorizer: Authorizer & RuleResolver;
  /** Set when RBAC is one of the modes: escalation checks read its rules. */
  rbac?: RBACAuthorizer;
  stop(): void;
}

/** A mode that is named but not built (Node before its authorizer is passed in). */
const noOpinion: Authorizer & RuleResolver = {
  authorize: () => ({ decision: "NoOpinion", reason: "" }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: "" }),
};

function rbacTypes(types: ResourceType[]): RbacTypes {
  const find = (plural: string) => {
    const t = types.find((x) => x.group === "rbac.authorization.k8s.io" && x.plural === plural);
    if (!t) throw new Error(`--authorization-mode RBAC needs the ${plural} resource type`);
    return t;
  };
  return { roles: find("roles"), clusterroles: find("clusterroles"), rolebindings: find("rolebindings"), clusterrolebindings: find("clusterrolebindings") };
}

/** Builds the union; with RBAC, resolves once its cache holds the stored roles and bindings. */
export async function buildAuthorization(o: AuthorizationOptions): Promise<Authorization> {
  let rbac: RBACAuthorizer | undefined;
  let stop = () => {};
  if (o.modes.includes("RBAC")) {
    const cache = new RbacCache();
    stop = await syncRbacCache(o.store, rbacTypes(o.types), cache, o.logger.child({ authorizer: "RBAC" }));
    rbac = new RBACAuthorizer(cache);
  }
  const byMode: Record<AuthorizationMode, Authorizer> = {
    AlwaysAllow: alwaysAllow,
    AlwaysDeny: alwaysDeny,
    Node: o.node ?? noOpinion,
    RBAC: rbac ?? noOpinion,
  };
  const authorizers = o.modes.map((m) => byMode[m]);
  return { authorizer: new UnionAuthorizer(authorizers), rbac, stop };
}
