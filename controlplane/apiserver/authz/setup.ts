// Authorization as the API server starts it: the bootstrap policy reconciled, the modes built
// (default Node,RBAC when requests are authenticated; without authentication there is nobody to
// authorize, so everything is allowed, as before RBAC), and what escalation checks need.
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import { reconcileBootstrapRBAC } from "../bootstrap/rbac-reconcile";
import type { Registry } from "../registry";
import type { Authorizer, RuleResolver } from "./authorizer";
import type { EscalationCheck } from "./escalation";
import { buildAuthorization } from "./index";
import { alwaysAllow, DEFAULT_AUTHORIZATION_MODES, type AuthorizationMode } from "./union";

export interface AuthorizationSetup {
  modes?: AuthorizationMode[];
  /** Whether the server authenticates requests at all. */
  authenticated: boolean;
  store: Store;
  types: ResourceType[];
  registry: Registry;
  logger: Logger;
  node?: Authorizer;
  /** Filled in here, read by the RBAC strategies' escalation checks. */
  escalation: EscalationCheck;
}

export interface StartedAuthorization {
  /** undefined: every request is allowed (the filters skip their work). */
  authorizer?: Authorizer & RuleResolver;
  /** What the review endpoints answer from (alwaysAllow when nothing is enforced). */
  reviewer: Authorizer & RuleResolver;
  stop(): void;
}

export async function startAuthorization(s: AuthorizationSetup): Promise<StartedAuthorization> {
  const modes = s.modes ?? (s.authenticated ? DEFAULT_AUTHORIZATION_MODES : ["AlwaysAllow"]);
  const hasRBAC = s.types.some((t) => t.group === "rbac.authorization.k8s.io" && t.plural === "clusterroles");
  if (hasRBAC) {
    const find = (plural: string) => s.types.find((t) => t.group === "rbac.authorization.k8s.io" && t.plural === plural)!;
    await reconcileBootstrapRBAC(s.registry, { clusterroles: find("clusterroles"), clusterrolebindings: find("clusterrolebindings") }, s.logger);
  }
  if (modes.length === 1 && modes[0] === "AlwaysAllow") return { reviewer: alwaysAllow, stop: () => {} };
  const built = await buildAuthorization({ modes, store: s.store, types: s.types, logger: s.logger, node: s.node });
  s.escalation.authorizer = built.authorizer;
  s.escalation.rbac = built.rbac;
  return { authorizer: built.authorizer, reviewer: built.authorizer, stop: built.stop };
}
