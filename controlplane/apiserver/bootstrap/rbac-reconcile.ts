// Makes the default roles and bindings (rbac-policy.ts) exist on every start, as kube-apiserver's
// RBAC post-start hook does with reconciliation: what is missing is created; an existing object
// gets back the rules, subjects, labels and annotations it lacks, unless it says
// rbac.authorization.kubernetes.io/autoupdate: "false" (then it is the user's alone). Nothing the
// user added is removed. Aggregated roles (admin, edit, view) get their rules computed here too,
// so they are right from the first request even before the aggregation controller runs.
import type { Logger } from "pino";
import { aggregatedRules, sameRules, type ClusterRole, type ClusterRoleBinding, type Subject } from "../../../api/rbac";
import type { KObject, ResourceType } from "../../../api/resource";
import { uncoveredRules } from "../authz/covers";
import { ApiError } from "../errors";
import type { Registry } from "../registry";
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./rbac-policy";
import { lostRace, retryLostRace } from "./retry";

const MANAGER = { fieldManager: "kubelab-apiserver" };

/** Labels and annotations of expected that actual lacks, added; true when anything changed. */
function addMissingMeta(actual: KObject, expected: KObject): boolean {
  let changed = false;
  for (const field of ["labels", "annotations"] as const) {
    for (const [k, v] of Object.entries(expected.metadata[field] ?? {})) {
      if (actual.metadata[field]?.[k] !== undefined) continue;
      actual.metadata[field] = { ...actual.metadata[field], [k]: v };
      changed = true;
    }
  }
  return changed;
}

const userOwned = (o: KObject) => o.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === "false";

/** The reconciled role, or undefined when the stored one is already right (or the user's). */
export function reconcileClusterRole(actual: ClusterRole, expected: ClusterRole): ClusterRole | undefined {
  if (userOwned(actual as KObject)) return undefined;
  const next = structuredClone(actual);
  let changed = addMissingMeta(next as KObject, expected as KObject);
  if (expected.aggregationRule) {
    const have = next.aggregationRule?.clusterRoleSelectors ?? [];
    const missing = (expected.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => JSON.stringify(h) === JSON.stringify(s)));
    if (missing.length) {
      next.aggregationRule = { clusterRoleSelectors: [...have, ...missing] };
      changed = true;
    }
  } else {
    const missing = uncoveredRules(next.rules ?? [], expected.rules ?? []);
    if (missing.length) {
      next.rules = [...(next.rules ?? []), ...missing];
      changed = true;
    }
  }
  return changed ? next : undefined;
}

export function reconcileBinding(actual: ClusterRoleBinding, expected: ClusterRoleBinding): ClusterRoleBinding | undefined {
  if (userOwned(actual as KObject)) return undefined;
  const next = structuredClone(actual);
  let changed = addMissingMeta(next as KObject, expected as KObject);
  const same = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? "") === (b.namespace ?? "");
  const missing = (expected.subjects ?? []).filter((s) => !(next.subjects ?? []).some((h) => same(h, s)));
  if (missing.length) {
    next.subjects = [...(next.subjects ?? []), ...missing];
    changed = true;
  }
  return changed ? next : undefined;
}

export interface RbacBootstrapTypes {
  clusterroles: ResourceType;
  clusterrolebindings: ResourceType;
}

/**
 * One default object made or brought up to date. Servers of an HA cluster start together: a write
 * that loses to another server's (AlreadyExists, Conflict, NotFound) is done again from a fresh
 * read, which then usually finds nothing left to do (kube-apiserver's reconcile re-runs too).
 */
async function ensure(registry: Registry, rt: ResourceType, expected: KObject, reconcile: (a: KObject) => KObject | undefined): Promise<void> {
  await retryLostRace(async () => {
    const actual = await registry.tryGet(rt, undefined, expected.metadata.name!);
    if (!actual) {
      await registry.create(rt, undefined, expected, MANAGER);
      return;
    }
    // A binding's roleRef is immutable: one that points elsewhere is replaced (Kubernetes does too).
    if (rt.kind === "ClusterRoleBinding" && JSON.stringify((actual as unknown as ClusterRoleBinding).roleRef) !== JSON.stringify((expected as unknown as ClusterRoleBinding).roleRef) && !userOwned(actual)) {
      await registry.delete(rt, undefined, expected.metadata.name!, { preconditions: { resourceVersion: actual.metadata.resourceVersion } });
      await registry.create(rt, undefined, expected, MANAGER);
      return;
    }
    const next = reconcile(actual);
    if (next) await registry.update(rt, undefined, next.metadata.name!, next, MANAGER);
  });
}

/**
 * Rules of every aggregated ClusterRole, to a fixed point (edit feeds admin, view feeds edit). An
 * update that loses to another server's aggregation is left to the next round, which lists again.
 */
async function aggregateAll(registry: Registry, rt: ResourceType): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const roles = (await registry.list(rt, undefined)).items as unknown as ClusterRole[];
    let changed = false;
    for (const role of roles) {
      const rules = aggregatedRules(role, roles);
      if (!rules || sameRules(rules, role.rules)) continue;
      changed = true;
      try {
        await registry.update(rt, undefined, role.metadata.name!, { ...role, rules } as unknown as KObject, MANAGER);
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
    }
    if (!changed) return;
  }
}

/**
 * Bindings an earlier release made and this one no longer wants: deleted while they still carry the
 * bootstrapping label and are not the user's (autoupdate "false"). git-sync's cluster-admin
 * stop-gap went when it started acting as each GitRepository's ServiceAccount.
 */
const RETIRED_CLUSTER_ROLE_BINDINGS = ["system:kubelab:git-sync-apply"];

/** True for a binding of ours this release retires (never one the user took over or made). */
export function isRetiredBinding(b: KObject): boolean {
  return RETIRED_CLUSTER_ROLE_BINDINGS.includes(b.metadata.name!) && !userOwned(b) && b.metadata.labels?.["kubernetes.io/bootstrapping"] === "rbac-defaults";
}

async function removeRetired(registry: Registry, rt: ResourceType): Promise<void> {
  for (const name of RETIRED_CLUSTER_ROLE_BINDINGS) {
    const actual = await registry.tryGet(rt, undefined, name);
    if (!actual || !isRetiredBinding(actual)) continue;
    try {
      await registry.delete(rt, undefined, name);
    } catch (e) {
      // Another server of an HA cluster removed it first.
      if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
    }
  }
}

export async function reconcileBootstrapRBAC(registry: Registry, types: RbacBootstrapTypes, logger: Logger): Promise<void> {
  for (const role of bootstrapClusterRoles()) {
    await ensure(registry, types.clusterroles, role as unknown as KObject, (a) => reconcileClusterRole(a as unknown as ClusterRole, role) as unknown as KObject | undefined);
  }
  for (const b of bootstrapClusterRoleBindings()) {
    await ensure(registry, types.clusterrolebindings, b as unknown as KObject, (a) => reconcileBinding(a as unknown as ClusterRoleBinding, b) as unknown as KObject | undefined);
  }
  await removeRetired(registry, types.clusterrolebindings);
  await aggregateAll(registry, types.clusterroles);
  logger.debug("bootstrap RBAC policy reconciled");
}
