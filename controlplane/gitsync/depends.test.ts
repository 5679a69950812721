import { describe, expect, it } from "vitest";
import type { GitRepository } from "../../api/gitops";
import { dependencyVerdict, dependentsOf, notReadyBecause } from "./depends";

const rev = "main@sha1:" + "a".repeat(40);
const repo = (name: string, dependsOn: Array<{ name: string; namespace?: string }> = [], status: GitRepository["status"] = undefined, ns = "apps"): GitRepository => ({
  apiVersion: "gitops.kubelab.io/v1alpha1",
  kind: "GitRepository",
  metadata: { name, namespace: ns, generation: 1 },
  spec: { url: "file:///x", dependsOn },
  status,
});
const readyStatus = (over: Partial<NonNullable<GitRepository["status"]>> = {}) => ({
  observedGeneration: 1,
  lastAppliedRevision: rev,
  lastAttemptedRevision: rev,
  conditions: [
    { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "", lastTransitionTime: "2026-12-01T00:00:00Z" },
    { type: "Healthy", status: "True", reason: "Healthy", message: "", lastTransitionTime: "2026-12-01T00:00:00Z" },
  ],
  ...over,
});

describe("spec.dependsOn", () => {
  it("is ready when every dependency is Ready and Healthy at the revision it last attempted", () => {
    const db = repo("db", [], readyStatus());
    expect(dependencyVerdict(repo("app", [{ name: "db" }]), (_ns, n) => (n === "db" ? db : undefined))).toEqual({ ready: true });
  });

  it("says why a dependency is not ready yet", () => {
    expect(notReadyBecause(repo("db"))).toBe("its spec is not observed yet");
    expect(notReadyBecause(repo("db", [], readyStatus({ lastAttemptedRevision: "main@sha1:" + "b".repeat(40) })))).toBe("its latest revision is not applied yet");
    const unhealthy = readyStatus();
    unhealthy.conditions[1] = { ...unhealthy.conditions[1]!, status: "False", message: "Job apps/migrate failed" };
    expect(notReadyBecause(repo("db", [], unhealthy))).toBe("it is not healthy: Job apps/migrate failed");
  });

  it("names a missing dependency, in the dependent's namespace unless given", () => {
    expect(dependencyVerdict(repo("app", [{ name: "db" }]), () => undefined)).toMatchObject({ ready: false, reason: "DependencyNotFound", message: "dependency GitRepository apps/db not found" });
    expect(dependencyVerdict(repo("app", [{ name: "db", namespace: "infra" }]), () => undefined)).toMatchObject({ message: "dependency GitRepository infra/db not found" });
  });

  it("finds a cycle through several repositories and a self-dependency", () => {
    const all = new Map([["a", repo("a", [{ name: "b" }])], ["b", repo("b", [{ name: "c" }])], ["c", repo("c", [{ name: "a" }])]]);
    expect(dependencyVerdict(all.get("a")!, (_ns, n) => all.get(n))).toMatchObject({ reason: "DependencyCycle", message: "dependency cycle: apps/a -> apps/b -> apps/c -> apps/a" });
    expect(dependencyVerdict(repo("self", [{ name: "self" }]), () => undefined)).toMatchObject({ reason: "DependencyCycle" });
  });

  it("lists the dependents to requeue when a repository changes", () => {
    expect(dependentsOf("apps/db", [repo("app", [{ name: "db" }]), repo("web", []), repo("other", [{ name: "db", namespace: "x" }])])).toEqual(["apps/app"]);
  });
});
