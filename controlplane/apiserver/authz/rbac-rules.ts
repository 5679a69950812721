// The RBAC matching rules, pure (Kubernetes' pkg/apis/rbac/v1/evaluation_helpers.go and the
// subject matching of rbac.appliesTo): does a PolicyRule allow these attributes, does a binding's
// subject name this user.
import type { PolicyRule, Subject } from "../../../api/rbac";
import type { Attributes, UserInfo } from "./authorizer";

const has = (list: readonly string[] | undefined, v: string) => list !== undefined && (list.includes("*") || list.includes(v));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

/** "pods", "pods/log", "*" and "*\/scale" (every resource's scale subresource). */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith("*/") && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return !rule.resourceNames?.length || rule.resourceNames.includes(name);
}

/** "/healthz", "*", and a trailing "*" matching every path under a prefix ("/apis/*"). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))) return true;
  }
  return false;
}

/** RuleAllows: the rule covers the request. */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.isResourceRequest) return nonResourceURLMatches(rule, a.path);
  return apiGroupMatches(rule, a.apiGroup) && resourceMatches(rule, a.resource, a.subresource) && resourceNameMatches(rule, a.name);
}

/** The user a ServiceAccount subject stands for ("system:serviceaccount:<ns>:<name>"). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Does the subject (of a binding in bindingNamespace; "" for a ClusterRoleBinding) name the user? */
export function subjectAppliesTo(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case "User":
      return user.name === s.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount":
      return user.name === serviceAccountUser(s.namespace || bindingNamespace, s.name);
    default:
      return false;
  }
}
