import { describe, expect, it } from "vitest";
import type { ClusterRole, ClusterRoleBinding } from "../../../api/rbac";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./rbac-policy";
import { isRetiredBinding, reconcileBinding, reconcileClusterRole } from "./rbac-reconcile";
import type { KObject } from "../../../api/resource";

const expected = (name: string) => bootstrapClusterRoles().find((r) => r.metadata.name === name)!;

describe("bootstrap RBAC reconciliation", () => {
  it("gives a default role back the rules it lost, keeping what the user added", () => {
    const basic = expected("system:basic-user");
    const edited: ClusterRole = { ...structuredClone(basic), rules: [basic.rules![1]!, { verbs: ["get"], apiGroups: [""], resources: ["nodes"] }] };
    const next = reconcileClusterRole(edited, basic)!;
    // The lost rule comes back broken down, one verb on one resource per rule, as Kubernetes adds it.
    expect(next.rules).toEqual([
      basic.rules![1],
      { verbs: ["get"], apiGroups: [""], resources: ["nodes"] },
      { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews"] },
      { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectrulesreviews"] },
    ]);
    expect(reconcileClusterRole(next, basic)).toBeUndefined();
  });

  it("leaves a role alone that says autoupdate: false", () => {
    const view = expected("system:aggregate-to-view");
    const mine: ClusterRole = { ...structuredClone(view), metadata: { ...view.metadata, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "false" } }, rules: [] };
    expect(reconcileClusterRole(mine, view)).toBeUndefined();
  });

  it("adds back missing labels and the aggregation selector of an aggregated role, never its rules", () => {
    const admin = expected("admin");
    const stripped: ClusterRole = { ...structuredClone(admin), metadata: { name: "admin" }, aggregationRule: { clusterRoleSelectors: [] }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] };
    const next = reconcileClusterRole(stripped, admin)!;
    expect(next.aggregationRule).toEqual(admin.aggregationRule);
    expect(next.metadata.annotations).toEqual(admin.metadata.annotations);
    expect(next.rules).toEqual(stripped.rules);
  });

  it("adds back a binding's missing subject and keeps the user's", () => {
    const masters = bootstrapClusterRoleBindings().find((b) => b.metadata.name === "cluster-admin")!;
    const edited: ClusterRoleBinding = { ...structuredClone(masters), subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "root" }] };
    expect(reconcileBinding(edited, masters)!.subjects).toEqual([{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "root" }, ...masters.subjects!]);
  });

  it("retires git-sync's old cluster-admin binding unless the user took it over", () => {
    const old = (annotations: Record<string, string>, labels: Record<string, string> = { "kubernetes.io/bootstrapping": "rbac-defaults" }) =>
      ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "system:kubelab:git-sync-apply", labels, annotations } }) as KObject;
    expect(isRetiredBinding(old({ "rbac.authorization.kubernetes.io/autoupdate": "true" }))).toBe(true);
    expect(isRetiredBinding(old({ "rbac.authorization.kubernetes.io/autoupdate": "false" }))).toBe(false);
    expect(isRetiredBinding(old({}, {}))).toBe(false);
    expect(isRetiredBinding({ ...old({}), metadata: { name: "cluster-admin", labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } } } as KObject)).toBe(false);
  });
});
