import { describe, expect, it } from "vitest";
import { CREATED_BY_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_LABEL, applyStages, nextInventory, planPrune, sortForApply, type ObjectRef } from "./plan";
import { objectKey } from "./manifests";

const ref = (kind: string, name: string, namespace?: string, apiVersion = kind === "Deployment" ? "apps/v1" : "v1"): ObjectRef => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});
const ours = { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SOURCE_LABEL]: "default.lab" } };
const liveOf = (refs: ObjectRef[], owner = ours) => new Map(refs.map((r) => [objectKey(r), owner]));

describe("apply order", () => {
  it("applies Namespaces, then config, then Services, then workloads, then the rest", () => {
    const items = [ref("Deployment", "web", "a"), ref("Widget", "w", "a", "x.io/v1"), ref("Service", "web", "a"), ref("ConfigMap", "c", "a"), ref("Namespace", "a"), ref("Secret", "s", "a")];
    expect(sortForApply(items, (r) => r).map((r) => r.kind)).toEqual(["Namespace", "ConfigMap", "Secret", "Service", "Deployment", "Widget"]);
    expect(applyStages(items, (r) => r).map((s) => s.map((r) => r.kind))).toEqual([["Namespace"], ["ConfigMap", "Secret"], ["Service"], ["Deployment"], ["Widget"]]);
  });
});

describe("prune plan", () => {
  const previous = [ref("Namespace", "a"), ref("ConfigMap", "c", "a"), ref("Service", "web", "a"), ref("Deployment", "web", "a")];

  it("prunes what the previous inventory has and the new revision lacks, in reverse order", () => {
    const plan = planPrune({ previous, next: [ref("Namespace", "a"), ref("ConfigMap", "c", "a")], source: "default.lab", live: liveOf(previous) });
    expect(plan.blocked).toBeUndefined();
    expect(plan.prune.map((r) => r.kind)).toEqual(["Deployment", "Service"]);
  });

  it("never prunes an object that is not labelled as ours, or one that is gone already", () => {
    const live = liveOf(previous);
    live.set(objectKey(ref("Service", "web", "a")), { labels: { [SOURCE_LABEL]: "other.repo", [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } });
    live.delete(objectKey(ref("Deployment", "web", "a")));
    const plan = planPrune({ previous, next: [ref("Namespace", "a")], source: "default.lab", live });
    expect(plan.prune.map((r) => r.kind)).toEqual(["ConfigMap"]);
    expect(plan.skipped.map((s) => s.message)).toEqual(["owned by GitRepository other.repo, not default.lab"]);
    expect(plan.gone.map((r) => r.kind)).toEqual(["Deployment"]);
  });

  it("prunes a Namespace only when git-sync created it, and never the cluster's own", () => {
    const created = { ...ours, annotations: { [CREATED_BY_ANNOTATION]: "default.lab" } };
    const spaces = ["team-a", "adopted", "kube-system", "kube-public", "kube-node-lease", "default"].map((n) => ref("Namespace", n));
    const live = liveOf(spaces, created);
    live.set(objectKey(ref("Namespace", "adopted")), ours);
    const plan = planPrune({ previous: spaces, next: [ref("ConfigMap", "c", "team-a")], source: "default.lab", live, allowMassPrune: true });
    expect(plan.prune.map((r) => r.name)).toEqual(["team-a"]);
    expect(plan.skipped.map((s) => s.message)).toEqual([
      "namespace adopted was not created by git-sync; only namespaces it created are pruned",
      ...["kube-system", "kube-public", "kube-node-lease", "default"].map((n) => `namespace ${n} is never pruned`),
    ]);
  });

  it("moving an object to another API version is not a prune", () => {
    const plan = planPrune({ previous: [ref("Deployment", "web", "a", "apps/v1")], next: [ref("Deployment", "web", "a", "apps/v2")], source: "default.lab", live: liveOf(previous) });
    expect(plan.prune).toEqual([]);
  });

  it("refuses an empty revision that would prune everything unless allowed", () => {
    const blocked = planPrune({ previous, next: [], source: "default.lab", live: liveOf(previous) });
    expect(blocked.blocked?.reason).toBe("PruneBlocked");
    expect(blocked.blocked?.message).toContain("gitops.kubelab.io/allow-mass-prune");
    expect(planPrune({ previous, next: [], source: "default.lab", live: liveOf(previous), allowMassPrune: true }).blocked).toBeUndefined();
  });

  it("refuses a mass deletion above the threshold but allows small ones", () => {
    const many = Array.from({ length: 20 }, (_, i) => ref("ConfigMap", `c${i}`, "a"));
    const keep = many.slice(0, 5);
    expect(planPrune({ previous: many, next: keep, source: "default.lab", live: liveOf(many) }).blocked?.reason).toBe("PruneBlocked");
    expect(planPrune({ previous: many, next: many.slice(0, 12), source: "default.lab", live: liveOf(many) }).blocked).toBeUndefined();
    expect(planPrune({ previous, next: previous.slice(0, 1), source: "default.lab", live: liveOf(previous) }).blocked).toBeUndefined();
  });

  it("keeps undeleted candidates in the next inventory, once each", () => {
    const inv = nextInventory([ref("ConfigMap", "c", "a")], [ref("ConfigMap", "c", "a"), ref("Deployment", "web", "a")]);
    expect(inv).toEqual([ref("ConfigMap", "c", "a"), ref("Deployment", "web", "a")]);
  });
});

describe("mass-prune guard after an interrupted run", () => {
  it("measures against what the last applied revision owned, not the inflated inventory", () => {
    const applied = Array.from({ length: 20 }, (_, i) => ref("ConfigMap", `old${i}`, "a"));
    const abandoned = Array.from({ length: 20 }, (_, i) => ref("ConfigMap", `half${i}`, "a"));
    const next = [ref("ConfigMap", "new", "a")];
    const previous = [...applied, ...abandoned];
    const live = liveOf(previous);
    expect(planPrune({ previous, next, source: "default.lab", live }).blocked).toBeDefined();
    expect(planPrune({ previous: applied.slice(0, 20), next: [...applied.slice(0, 12), ...next], source: "default.lab", live }).blocked).toBeUndefined();
    // 15 of 40 recorded is under half, but 15 of the 20 really applied is not.
    const p = planPrune({ previous, next: [...applied.slice(0, 5), ...abandoned], source: "default.lab", live, baseline: 20 });
    expect(p.blocked?.message).toContain("pruning 15 of 20 objects");
  });
});
