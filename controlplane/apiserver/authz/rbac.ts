// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a
// role bound to the user (or one of their groups, or their ServiceAccount) covers it, through a
// ClusterRoleBinding anywhere or a RoleBinding in the request's namespace. RBAC never denies: it
// allows or has no opinion, with a reason naming roles that are bound but missing.
import type { PolicyRule, RoleRef } from "../../../api/rbac";
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesInfo, UserInfo } from "./authorizer";
import { NO_OPINION } from "./authorizer";
import type { CachedBinding, RbacCache } from "./rbac-cache";
import { ruleAllows, subjectAppliesTo } from "./rbac-rules";

const notFound = (b: CachedBinding) => `${b.roleRef.kind.toLowerCase()}.rbac.authorization.k8s.io "${b.roleRef.name}" not found`;

/** "ClusterRoleBinding "x" of ClusterRole "y" to Group "z"", as Kubernetes' allow reasons say. */
function describe(b: CachedBinding, user: UserInfo): string {
  const s = b.subjects.find((x) => subjectAppliesTo(x, user, b.namespace));
  let who = "";
  if (s) who = s.kind === "ServiceAccount" ? ` to ServiceAccount "${s.name}/${s.namespace || b.namespace}"` : ` to ${s.kind} "${s.name}"`;
  return `${b.namespace ? "RoleBinding" : "ClusterRoleBinding"} "${b.name}" of ${b.roleRef.kind} "${b.roleRef.name}"${who}`;
}

/** Kubernetes' utilerrors aggregate: one error as itself, several in brackets. */
const aggregate = (errors: string[]) => (errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);

export class RBACAuthorizer implements Authorizer, RuleResolver {
  constructor(private readonly cache: RbacCache) {}

  /** The bindings that apply: cluster-wide first, then the namespace's (VisitRulesFor's order). */
  private bindings(user: UserInfo, namespace: string): CachedBinding[] {
    const out = this.cache.bindingsFor(user.name, user.groups, undefined);
    return namespace ? this.cache.bindingsFor(user.name, user.groups, namespace, out) : out;
  }

  authorize(a: Attributes): AuthorizationResult {
    let errors: string[] | undefined;
    for (const b of this.bindings(a.user, a.namespace)) {
      const rules = this.cache.rulesOf(b.roleRef, b.namespace);
      if (!rules) {
        (errors ??= []).push(notFound(b));
        continue;
      }
      for (const rule of rules) if (ruleAllows(a, rule)) return { decision: "Allow", reason: `RBAC: allowed by ${describe(b, a.user)}` };
    }
    return errors ? { decision: "NoOpinion", reason: `RBAC: ${aggregate(errors)}` } : NO_OPINION;
  }

  /** Every rule that applies to the user in the namespace (what SelfSubjectRulesReview lists). */
  rulesFor(user: UserInfo, namespace: string): RulesInfo {
    const out: RulesInfo = { resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: "" };
    const errors: string[] = [];
    for (const b of this.bindings(user, namespace)) {
      const rules = this.cache.rulesOf(b.roleRef, b.namespace);
      if (!rules) errors.push(notFound(b));
      else for (const r of rules) addRule(out, r);
    }
    if (errors.length) {
      out.incomplete = true;
      out.evaluationError = aggregate(errors);
    }
    return out;
  }

  /** The rules a roleRef names in a binding's namespace (undefined: no such role). */
  rulesOfRef(ref: RoleRef, bindingNamespace: string): PolicyRule[] | undefined {
    return this.cache.rulesOf(ref, bindingNamespace);
  }

  /** The rules themselves, for escalation checks (RuleResolver.RulesFor with PolicyRules). */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const b of this.bindings(user, namespace)) {
      const r = this.cache.rulesOf(b.roleRef, b.namespace);
      if (!r) errors.push(notFound(b));
      else rules.push(...r);
    }
    return { rules, errors };
  }
}

function addRule(out: RulesInfo, r: PolicyRule): void {
  if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
  else out.resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], resourceNames: [...(r.resourceNames ?? [])] });
}
