// Privilege escalation prevention (Kubernetes' pkg/registry/rbac/*/policybased and
// rbac/validation.ConfirmNoEscalation): a user may write a Role or ClusterRole only with rules
// they hold themselves, and bind a role only when they hold its rules, unless they have the
// "escalate" (roles) or "bind" (bindings) verb on it, or are in system:masters.
import type { AnyBinding, AnyRole, PolicyRule } from "../../../api/rbac";
import { ApiError } from "../errors";
import type { Authorizer, UserInfo } from "./authorizer";
import { resourceAttributes } from "./authorizer";
import { compactRule, quoteList, uncoveredRules } from "./covers";
import type { RBACAuthorizer } from "./rbac";

/** Set once authorization is built; empty while nothing is enforced (every write may pass). */
export interface EscalationCheck {
  authorizer?: Authorizer;
  rbac?: RBACAuthorizer;
}

const RBAC = "rbac.authorization.k8s.io";
const SUPERUSER_GROUP = "system:masters";

function forbiddenWrite(resource: string, name: string, message: string): ApiError {
  return new ApiError(403, "Forbidden", `${resource}.${RBAC} "${name}" is forbidden: ${message}`, { name, group: RBAC, kind: resource });
}

/** ConfirmNoEscalation: every rule requested is held by the user where the object lives. */
function confirmNoEscalation(c: Required<EscalationCheck>, user: UserInfo, namespace: string, rules: PolicyRule[], resource: string, name: string): void {
  const held = c.rbac.policyRulesFor(user, namespace);
  const missing = uncoveredRules(held.rules, rules);
  if (missing.length === 0) return;
  let msg = `user ${JSON.stringify(user.name)} (groups=${quoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRule).join("\n")}`;
  if (held.errors.length) msg += `; resolution errors: [${held.errors.join(" ")}]`;
  throw forbiddenWrite(resource, name, msg);
}

const allowed = (c: Required<EscalationCheck>, user: UserInfo, verb: string, resource: string, namespace: string, name: string) =>
  c.authorizer.authorize(resourceAttributes(user, { verb, apiGroup: RBAC, resource, namespace, name })).decision === "Allow";

/** Who writes, as admission passes it (undefined: the server itself). */
export interface Writer {
  name: string;
  uid?: string;
  groups: readonly string[];
}

/** The writer as a user to check, or undefined when nothing is to be checked. */
function enforced(c: EscalationCheck, w: Writer | undefined): UserInfo | undefined {
  if (!c.authorizer || !c.rbac || !w || w.groups.includes(SUPERUSER_GROUP)) return undefined;
  return { name: w.name, uid: w.uid ?? "", groups: [...w.groups] };
}

/** A Role or ClusterRole write (old: the stored one on update; unchanged rules need nothing). */
export function checkRoleWrite(check: EscalationCheck, writer: Writer | undefined, role: AnyRole, old: AnyRole | undefined): void {
  const user = enforced(check, writer);
  if (!user) return;
  const c = check as Required<EscalationCheck>;
  if (old && JSON.stringify(old.rules ?? []) === JSON.stringify(role.rules ?? [])) return;
  const resource = role.kind === "Role" ? "roles" : "clusterroles";
  const ns = role.metadata.namespace ?? "";
  if (allowed(c, user, "escalate", resource, ns, role.metadata.name!)) return;
  confirmNoEscalation(c, user, ns, role.rules ?? [], resource, role.metadata.name!);
}

/** A RoleBinding or ClusterRoleBinding write: "bind" on the role, or hold what it grants. */
export function checkBindingWrite(check: EscalationCheck, writer: Writer | undefined, b: AnyBinding, old: AnyBinding | undefined): void {
  const user = enforced(check, writer);
  if (!user) return;
  const c = check as Required<EscalationCheck>;
  if (old && JSON.stringify(old.roleRef) === JSON.stringify(b.roleRef)) return;
  const ns = b.metadata.namespace ?? "";
  const resource = b.kind === "RoleBinding" ? "rolebindings" : "clusterrolebindings";
  const roleResource = b.roleRef.kind === "Role" ? "roles" : "clusterroles";
  if (allowed(c, user, "bind", roleResource, ns, b.roleRef.name)) return;
  const rules = c.rbac.rulesOfRef(b.roleRef, ns);
  if (!rules) throw new ApiError(404, "NotFound", `${roleResource}.${RBAC} "${b.roleRef.name}" not found`, { name: b.roleRef.name, group: RBAC, kind: roleResource });
  confirmNoEscalation(c, user, ns, rules, resource, b.metadata.name!);
}
