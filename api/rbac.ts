// rbac.authorization.k8s.io/v1: Role, ClusterRole (with aggregationRule), RoleBinding and
// ClusterRoleBinding, with the defaults and validation of Kubernetes' pkg/apis/rbac (v1 defaults,
// validation.ValidatePolicyRule, ValidateRoleBindingSubject, roleRef immutability).
import { z } from "zod";
import { defineResource } from "./define";
import { LabelSelector, ObjectMeta, selectorMatches, typeMeta } from "./meta";
import type { FieldCause } from "./resource";
import { fieldError, isDNS1123Subdomain, validateLabelSelector } from "./validation";

export const RBAC_GROUP = "rbac.authorization.k8s.io";

const strings = (description: string) => z.array(z.string()).optional().describe(description);

export const PolicyRule = z
  .strictObject({
    verbs: z.array(z.string()).describe("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs."),
    apiGroups: strings("APIGroups is the name of the APIGroup that contains the resources. If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. \"\" represents the core API group and \"*\" represents all API groups."),
    resources: strings("Resources is a list of resources this rule applies to. '*' represents all resources."),
    resourceNames: strings("ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed."),
    nonResourceURLs: strings("NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path."),
  })
  .meta({ id: "io.k8s.api.rbac.v1.PolicyRule", description: "PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to." });
export type PolicyRule = z.infer<typeof PolicyRule>;

export const AggregationRule = z
  .strictObject({
    clusterRoleSelectors: z.array(LabelSelector).optional().describe("ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added"),
  })
  .meta({ id: "io.k8s.api.rbac.v1.AggregationRule", description: "AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole" });

export const Subject = z
  .strictObject({
    kind: z.string().describe("Kind of object being referenced. Values defined by this API group are \"User\", \"Group\", and \"ServiceAccount\"."),
    apiGroup: z.string().optional().describe("APIGroup holds the API group of the referenced subject. Defaults to \"\" for ServiceAccount subjects. Defaults to \"rbac.authorization.k8s.io\" for User and Group subjects."),
    name: z.string().describe("Name of the object being referenced."),
    namespace: z.string().optional().describe("Namespace of the referenced object.  If the object kind is non-namespace, such as \"User\" or \"Group\", and this value is not empty the Authorizer should report an error."),
  })
  .meta({ id: "io.k8s.api.rbac.v1.Subject", description: "Subject contains a reference to the object or user identities a role binding applies to." });
export type Subject = z.infer<typeof Subject>;

export const RoleRef = z
  .strictObject({
    apiGroup: z.string().describe("APIGroup is the group for the resource being referenced"),
    kind: z.string().describe("Kind is the type of resource being referenced"),
    name: z.string().describe("Name is the name of resource being referenced"),
  })
  .meta({ id: "io.k8s.api.rbac.v1.RoleRef", description: "RoleRef contains information that points to the role being used", "x-kubernetes-map-type": "atomic" });
export type RoleRef = z.infer<typeof RoleRef>;

const meta = ObjectMeta.describe("Standard object's metadata.");
const rules = z.array(PolicyRule).optional().describe("Rules holds all the PolicyRules for this Role");

export const Role = z
  .strictObject({ ...typeMeta, metadata: meta, rules })
  .meta({ id: "io.k8s.api.rbac.v1.Role", description: "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding." });
export type Role = z.infer<typeof Role>;

export const ClusterRole = z
  .strictObject({
    ...typeMeta,
    metadata: meta,
    rules: rules.describe("Rules holds all the PolicyRules for this ClusterRole"),
    aggregationRule: AggregationRule.optional().describe("AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller."),
  })
  .meta({ id: "io.k8s.api.rbac.v1.ClusterRole", description: "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding." });
export type ClusterRole = z.infer<typeof ClusterRole>;

const subjects = z.array(Subject).optional().describe("Subjects holds references to the objects the role applies to.");

export const RoleBinding = z
  .strictObject({ ...typeMeta, metadata: meta, subjects, roleRef: RoleRef.describe("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.") })
  .meta({ id: "io.k8s.api.rbac.v1.RoleBinding", description: "RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace." });
export type RoleBinding = z.infer<typeof RoleBinding>;

export const ClusterRoleBinding = z
  .strictObject({ ...typeMeta, metadata: meta, subjects, roleRef: RoleRef.describe("RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.") })
  .meta({ id: "io.k8s.api.rbac.v1.ClusterRoleBinding", description: "ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject." });
export type ClusterRoleBinding = z.infer<typeof ClusterRoleBinding>;

export type AnyRole = Role | ClusterRole;
export type AnyBinding = RoleBinding | ClusterRoleBinding;

/** RBAC names are path segments (ValidateRBACName): "system:kube-scheduler" is fine, "a/b" is not. */
export function validateRBACName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  const bad = ["/", "%"].find((c) => name.includes(c));
  return bad ? [`may not contain '${bad}'`] : [];
}

/** ValidatePolicyRule: verbs always; either non-resource URLs (cluster roles only) or groups and resources. */
export function validatePolicyRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  (rules ?? []).forEach((r, i) => {
    const p = `rules[${i}]`;
    if (r.verbs.length === 0) out.push(fieldError.required(`${p}.verbs`, "verbs must contain at least one value"));
    if (r.nonResourceURLs?.length) {
      if (namespaced) out.push(fieldError.invalid(`${p}.nonResourceURLs`, r.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        out.push(fieldError.invalid(`${p}.nonResourceURLs`, r.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"));
      }
      return;
    }
    if (!r.apiGroups?.length) out.push(fieldError.required(`${p}.apiGroups`, "resource rules must supply at least one api group"));
    if (!r.resources?.length) out.push(fieldError.required(`${p}.resources`, "resource rules must supply at least one resource"));
  });
  return out;
}

function validateAggregation(role: ClusterRole): FieldCause[] {
  return (role.aggregationRule?.clusterRoleSelectors ?? []).flatMap((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`));
}

/** The v1 defaults: User and Group subjects (and every roleRef) in the RBAC group, ServiceAccounts in "". */
export function defaultBinding(b: AnyBinding): void {
  if (!b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of b.subjects ?? []) {
    if (s.apiGroup) continue;
    if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
    else if (s.kind === "ServiceAccount") s.apiGroup = "";
  }
}

/** roleRef (kinds as the binding allows) and subjects, as ValidateRoleBinding and ValidateClusterRoleBinding check them. */
export function validateBinding(b: AnyBinding, namespaced: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (b.roleRef.apiGroup !== RBAC_GROUP) out.push(fieldError.notSupported("roleRef.apiGroup", b.roleRef.apiGroup, [RBAC_GROUP]));
  if (!kinds.includes(b.roleRef.kind)) out.push(fieldError.notSupported("roleRef.kind", b.roleRef.kind, kinds));
  if (!b.roleRef.name) out.push(fieldError.required("roleRef.name"));
  else for (const msg of validateRBACName(b.roleRef.name)) out.push(fieldError.invalid("roleRef.name", b.roleRef.name, msg));
  (b.subjects ?? []).forEach((s, i) => out.push(...validateSubject(s, `subjects[${i}]`, namespaced)));
  return out;
}

function validateSubject(s: Subject, p: string, namespaced: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  if (!s.name) out.push(fieldError.required(`${p}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (s.name) for (const msg of isDNS1123Subdomain(s.name)) out.push(fieldError.invalid(`${p}.name`, s.name, msg));
      if (s.apiGroup) out.push(fieldError.notSupported(`${p}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) out.push(fieldError.required(`${p}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== RBAC_GROUP) out.push(fieldError.notSupported(`${p}.apiGroup`, s.apiGroup, [RBAC_GROUP]));
      break;
    default:
      out.push(fieldError.notSupported(`${p}.kind`, s.kind, ["ServiceAccount", "User", "Group"]));
  }
  return out;
}

const cannotChangeRoleRef = (next: AnyBinding, old: AnyBinding): FieldCause[] =>
  JSON.stringify(next.roleRef) === JSON.stringify(old.roleRef) ? [] : [fieldError.invalid("roleRef", next.roleRef, "cannot change roleRef")];

export const roles = defineResource<Role>({
  group: RBAC_GROUP,
  version: "v1",
  kind: "Role",
  plural: "roles",
  namespaced: true,
  schema: Role,
  nameValidator: validateRBACName,
  validateObject: (r) => validatePolicyRules(r.rules, true),
});

export const clusterroles = defineResource<ClusterRole>({
  group: RBAC_GROUP,
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  namespaced: false,
  schema: ClusterRole,
  nameValidator: validateRBACName,
  validateObject: (r) => [...validatePolicyRules(r.rules, false), ...validateAggregation(r)],
});

export const rolebindings = defineResource<RoleBinding>({
  group: RBAC_GROUP,
  version: "v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  namespaced: true,
  schema: RoleBinding,
  nameValidator: validateRBACName,
  defaults: defaultBinding,
  validateObject: (b) => validateBinding(b, true),
  validateUpdate: cannotChangeRoleRef,
});

export const clusterrolebindings = defineResource<ClusterRoleBinding>({
  group: RBAC_GROUP,
  version: "v1",
  kind: "ClusterRoleBinding",
  plural: "clusterrolebindings",
  namespaced: false,
  schema: ClusterRoleBinding,
  nameValidator: validateRBACName,
  defaults: defaultBinding,
  validateObject: (b) => validateBinding(b, false),
  validateUpdate: cannotChangeRoleRef,
});

const sameRule = (a: PolicyRule, b: PolicyRule) => JSON.stringify(normalRule(a)) === JSON.stringify(normalRule(b));
const normalRule = (r: PolicyRule) => [r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []];

/**
 * The rules an aggregated ClusterRole should hold (the clusterrole-aggregation controller's sync):
 * every rule of every other ClusterRole one of its selectors matches, roles taken by name, each
 * rule once. undefined for a role without an aggregationRule.
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const sorted = [...all].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  const out: PolicyRule[] = [];
  for (const sel of selectors) {
    for (const other of sorted) {
      if (other.metadata.name === role.metadata.name || !selectorMatches(sel, other.metadata.labels)) continue;
      for (const rule of other.rules ?? []) if (!out.some((x) => sameRule(x, rule))) out.push(rule);
    }
  }
  return out;
}

export function sameRules(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameRule(r, y[i]!));
}

/** The four kinds, in Kubernetes' discovery order. */
export const rbacResources = [clusterrolebindings, clusterroles, rolebindings, roles];
