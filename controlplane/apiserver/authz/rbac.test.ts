import { describe, expect, it } from "vitest";
import type { ClusterRoleBinding, PolicyRule, RoleBinding } from "../../../api/rbac";
import { nonResourceAttributes, resourceAttributes, type UserInfo } from "./authorizer";
import { compactRule, uncoveredRules } from "./covers";
import { forbidden } from "./forbidden";
import { RBACAuthorizer } from "./rbac";
import { RbacCache } from "./rbac-cache";
import { ruleAllows } from "./rbac-rules";
import { UnionAuthorizer, alwaysAllow, parseAuthorizationModes } from "./union";

const alice: UserInfo = { name: "alice", uid: "1", groups: ["devs", "system:authenticated"] };
const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const get = (resource: string, extra: Parameters<typeof resourceAttributes>[1] extends infer T ? Partial<T> : never = {}) => resourceAttributes(alice, { verb: "get", resource, ...extra });

describe("RBAC rule matching", () => {
  it("matches verbs, groups, resources and names with Kubernetes' wildcards", () => {
    expect(ruleAllows(get("pods"), rule(["get"], [""], ["pods"]))).toBe(true);
    expect(ruleAllows(get("pods"), rule(["*"], ["*"], ["*"]))).toBe(true);
    expect(ruleAllows(get("pods", { apiGroup: "apps" }), rule(["get"], [""], ["pods"]))).toBe(false);
    expect(ruleAllows(get("pods", { verb: "delete" }), rule(["get", "list"], [""], ["pods"]))).toBe(false);
    expect(ruleAllows(get("pods", { subresource: "log" }), rule(["get"], [""], ["pods"]))).toBe(false);
    expect(ruleAllows(get("pods", { subresource: "log" }), rule(["get"], [""], ["pods/log"]))).toBe(true);
    expect(ruleAllows(get("deployments", { apiGroup: "apps", subresource: "scale" }), rule(["get"], ["apps"], ["*/scale"]))).toBe(true);
    expect(ruleAllows(get("configmaps", { name: "a" }), rule(["get"], [""], ["configmaps"], ["a"]))).toBe(true);
    expect(ruleAllows(get("configmaps", { name: "b" }), rule(["get"], [""], ["configmaps"], ["a"]))).toBe(false);
    expect(ruleAllows(get("configmaps", { verb: "list" }), rule(["list"], [""], ["configmaps"], ["a"]))).toBe(false);
  });

  it("matches non-resource URLs exactly or by a trailing *", () => {
    const url = (path: string) => nonResourceAttributes(alice, "get", path);
    const r: PolicyRule = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };
    expect(ruleAllows(url("/healthz"), r)).toBe(true);
    expect(ruleAllows(url("/healthz/etcd"), r)).toBe(false);
    expect(ruleAllows(url("/apis/apps/v1"), r)).toBe(true);
    expect(ruleAllows(url("/api"), r)).toBe(false);
  });
});

function authorizer(...objects: Array<{ ns?: string; role?: [string, PolicyRule[]]; binding?: RoleBinding | ClusterRoleBinding }>): RBACAuthorizer {
  const cache = new RbacCache();
  for (const o of objects) {
    if (o.role) cache.setRole(o.ns ?? "", o.role[0], o.role[1]);
    if (o.binding) cache.setBinding(o.ns ?? "", o.binding);
  }
  return new RBACAuthorizer(cache);
}

const binding = (name: string, kind: "Role" | "ClusterRole", role: string, subjects: RoleBinding["subjects"], ns?: string): RoleBinding => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: ns ? "RoleBinding" : "ClusterRoleBinding",
  metadata: { name, ...(ns ? { namespace: ns } : {}) },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role },
  subjects,
});

describe("the RBAC authorizer", () => {
  it("allows through a RoleBinding only in its namespace, by user, group or ServiceAccount", () => {
    const a = authorizer(
      { ns: "team", role: ["reader", [rule(["get"], [""], ["pods"])]] },
      { ns: "team", binding: binding("b", "Role", "reader", [{ kind: "Group", name: "devs" }], "team") },
      { ns: "team", binding: binding("sa", "Role", "reader", [{ kind: "ServiceAccount", name: "robot" }], "team") },
    );
    expect(a.authorize(get("pods", { namespace: "team" }))).toEqual({ decision: "Allow", reason: 'RBAC: allowed by RoleBinding "b" of Role "reader" to Group "devs"' });
    expect(a.authorize(get("pods", { namespace: "other" })).decision).toBe("NoOpinion");
    const robot = { name: "system:serviceaccount:team:robot", groups: ["system:serviceaccounts"] };
    expect(a.authorize(resourceAttributes(robot, { verb: "get", resource: "pods", namespace: "team" })).reason).toBe('RBAC: allowed by RoleBinding "sa" of Role "reader" to ServiceAccount "robot/team"');
  });

  it("says which bound role is missing, and forgets a deleted binding", () => {
    const a = authorizer({ binding: binding("gone", "ClusterRole", "ghost", [{ kind: "User", name: "alice" }]) });
    expect(a.authorize(get("pods"))).toEqual({ decision: "NoOpinion", reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found' });
    const cache = new RbacCache();
    cache.setRole("", "all", [rule(["*"], ["*"], ["*"])]);
    cache.setBinding("", binding("x", "ClusterRole", "all", [{ kind: "User", name: "alice" }]));
    const b = new RBACAuthorizer(cache);
    expect(b.authorize(get("pods")).decision).toBe("Allow");
    cache.deleteBinding("", "x");
    expect(b.authorize(get("pods")).decision).toBe("NoOpinion");
  });

  it("lists a user's rules for SelfSubjectRulesReview", () => {
    const a = authorizer(
      { role: ["disc", [{ verbs: ["get"], nonResourceURLs: ["/api"] }]] },
      { binding: binding("d", "ClusterRole", "disc", [{ kind: "Group", name: "system:authenticated" }]) },
      { ns: "team", role: ["reader", [rule(["get"], [""], ["pods"])]] },
      { ns: "team", binding: binding("b", "Role", "reader", [{ kind: "User", name: "alice" }], "team") },
    );
    expect(a.rulesFor(alice, "team")).toEqual({
      resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: [] }],
      nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/api"] }],
      incomplete: false,
      evaluationError: "",
    });
  });
});

describe("the union and the 403", () => {
  it("asks modes in order, the first Allow winning", () => {
    const u = new UnionAuthorizer([authorizer(), alwaysAllow]);
    expect(u.authorize(get("pods")).decision).toBe("Allow");
    expect(new UnionAuthorizer([authorizer()]).authorize(get("pods")).decision).toBe("NoOpinion");
    expect(parseAuthorizationModes("Node,RBAC")).toEqual(["Node", "RBAC"]);
    expect(() => parseAuthorizationModes("RBAC,ABAC")).toThrow(/unknown mode "ABAC"/);
  });

  it("words the Status as Kubernetes does", () => {
    const e = forbidden(get("pods", { namespace: "y", verb: "list" }), "");
    expect(e.message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "y"');
    expect(e.toStatus()).toMatchObject({ code: 403, reason: "Forbidden", details: { kind: "pods" } });
    expect(forbidden(get("deployments", { apiGroup: "apps", name: "web", subresource: "scale" }), "").message).toBe(
      'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" at the cluster scope',
    );
  });
});

describe("rule coverage (escalation checks)", () => {
  it("finds the pieces of requested rules the owner does not hold", () => {
    const owner = [rule(["get", "list"], [""], ["pods", "configmaps"]), rule(["get"], ["apps"], ["*/scale"])];
    expect(uncoveredRules(owner, [rule(["get"], [""], ["pods"]), rule(["get"], ["apps"], ["deployments/scale"])])).toEqual([]);
    const missing = uncoveredRules(owner, [rule(["get", "delete"], [""], ["pods"])]);
    expect(missing.map(compactRule)).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}']);
    expect(uncoveredRules([rule(["get"], [""], ["secrets"], ["a"])], [rule(["get"], [""], ["secrets"])])).toHaveLength(1);
  });
});
