// What one sync of a StatefulSet does next (StatefulSetControl.updateStatefulSet), decided
// without doing it: (1) the replicas in ordinal order: a missing pod is created (its claims
// first), a finished one deleted to be recreated, a wrong identity or claim ownership put right;
// (2) the condemned pods (ordinals past the replicas) deleted from the highest; (3) RollingUpdate:
// the highest-ordinal pod not at the update revision, down to the partition, deleted (it comes
// back at the update revision). OrderedReady stops at the first step that must be waited for (a
// pod not yet Running and Ready, or terminating); Parallel takes every replica step at once.
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { Pod, PodTemplateSpec } from "../../../api/core";
import type { OwnerReference } from "../../../api/meta";
import { isPodAvailable, isPodReady, msUntilAvailable } from "../pods";
import { claimsFor, identityMatches, inOrdinalRange, newStatefulSetPod, ordinalOf, podRevision, replicaCount, startOrdinal, withIdentity } from "./identity";
import { claimIsStale, desiredClaimOwners } from "./retention";

export type Action =
  | { kind: "create"; pod: Pod; claims: PersistentVolumeClaim[] }
  | { kind: "createClaims"; pod: Pod; claims: PersistentVolumeClaim[] }
  | { kind: "delete"; pod: Pod; why: "failed" | "condemned" | "update" }
  | { kind: "updatePod"; pod: Pod }
  | { kind: "updateClaim"; claim: PersistentVolumeClaim; owners: OwnerReference[] };

export interface Revision {
  name: string;
  template: PodTemplateSpec;
}

export interface PlanInput {
  set: StatefulSet;
  /** The set's pods (claimed and named `<set>-<n>`). */
  pods: Pod[];
  /** Claims in the set's namespace, by name. */
  claims: ReadonlyMap<string, PersistentVolumeClaim>;
  current: Revision;
  update: Revision;
  now: number;
}

export interface Plan {
  actions: Action[];
  /** A Ready pod becomes available (minReadySeconds) in this many ms: look again then. */
  waitMs?: number;
}

const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
const isFinished = (p: Pod) => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";
export const isRunningAndReady = (p: Pod) => p.status?.phase === "Running" && isPodReady(p);
export const isRunningAndAvailable = (p: Pod, minReady: number, now: number) => isRunningAndReady(p) && isPodAvailable(p, minReady, now);
const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p);

/** The revision a new pod of `ordinal` is made from: below the partition the current one, else the update one. */
function revisionFor(inp: PlanInput, ordinal: number): Revision {
  const strategy = inp.set.spec.updateStrategy;
  const partition = strategy?.rollingUpdate?.partition;
  const below = strategy?.type === "RollingUpdate" && (partition === undefined ? ordinal < startOrdinal(inp.set) + (inp.set.status?.currentReplicas ?? 0) : ordinal < startOrdinal(inp.set) + partition);
  return below ? inp.current : inp.update;
}

/** Claim ownership changes for `pod`'s claims (scaledDown: its ordinal is past the replicas). */
function claimFixes(inp: PlanInput, pod: Pod, scaledDown: boolean): Action[] {
  const out: Action[] = [];
  for (const want of claimsFor(inp.set, ordinalOf(inp.set, pod))) {
    const claim = inp.claims.get(want.metadata.name!);
    const owners = claim && !claim.metadata.deletionTimestamp ? desiredClaimOwners(claim, inp.set, pod, scaledDown) : undefined;
    if (claim && owners) out.push({ kind: "updateClaim", claim, owners });
  }
  return out;
}

/** processReplica for one slot: its actions and whether an OrderedReady set must stop here. */
function processReplica(inp: PlanInput, ordinal: number, pod: Pod | undefined): { actions: Action[]; block: boolean; waitMs?: number } {
  const { set, now } = inp;
  const monotonic = set.spec.podManagementPolicy !== "Parallel";
  const wanted = claimsFor(set, ordinal);
  if (!pod) {
    if (wanted.some((c) => claimIsStale(inp.claims.get(c.metadata.name!), undefined))) return { actions: [], block: true };
    const rev = revisionFor(inp, ordinal);
    const missing = wanted.filter((c) => !inp.claims.has(c.metadata.name!));
    const fresh = newStatefulSetPod(set, rev.template, ordinal, rev.name);
    return { actions: [{ kind: "create", pod: fresh, claims: missing }], block: monotonic };
  }
  if (isFinished(pod)) return { actions: isTerminating(pod) ? [] : [{ kind: "delete", pod, why: "failed" }], block: true };
  const actions: Action[] = [];
  const missing = wanted.filter((c) => !inp.claims.has(c.metadata.name!));
  if (pod.status?.phase === "Pending" && missing.length) actions.push({ kind: "createClaims", pod, claims: missing });
  if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod))) return { actions, block: true };
  const minReady = set.spec.minReadySeconds ?? 0;
  if (monotonic && !isRunningAndAvailable(pod, minReady, now)) return { actions, block: true, waitMs: msUntilAvailable(pod, minReady, now) };
  if (!identityMatches(set, pod)) actions.push({ kind: "updatePod", pod: withIdentity(pod, ordinal) });
  actions.push(...claimFixes(inp, pod, false));
  return { actions, block: false };
}

/** The first pod not available among the replicas, else among the condemned (from the lowest). */
function firstUnhealthy(inp: PlanInput, replicas: Array<Pod | undefined>, condemned: Pod[]): Pod | undefined {
  const minReady = inp.set.spec.minReadySeconds ?? 0;
  const unavailable = (p: Pod | undefined): p is Pod => !!p && (!isRunningAndAvailable(p, minReady, inp.now) || isTerminating(p));
  return replicas.find(unavailable) ?? [...condemned].reverse().find(unavailable);
}

export function plan(inp: PlanInput): Plan {
  const { set } = inp;
  if (set.metadata.deletionTimestamp) return { actions: [] };
  const monotonic = set.spec.podManagementPolicy !== "Parallel";
  const start = startOrdinal(set);
  const replicas: Array<Pod | undefined> = new Array(replicaCount(set)).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of inp.pods) {
    const ordinal = ordinalOf(set, pod);
    if (inOrdinalRange(set, ordinal)) replicas[ordinal - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
  const unhealthy = firstUnhealthy(inp, replicas, condemned);
  const actions: Action[] = [];
  let blocked = false;
  for (let i = 0; i < replicas.length; i++) {
    const step = processReplica(inp, start + i, replicas[i]);
    actions.push(...step.actions);
    if (step.block) blocked = true;
    if (step.block && monotonic) return { actions, waitMs: step.waitMs || undefined };
  }
  // Claims of condemned pods get their scale-down owners before the pods go.
  for (const pod of condemned) actions.push(...claimFixes(inp, pod, true));
  if (blocked) return { actions };
  const minReady = set.spec.minReadySeconds ?? 0;
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return { actions };
      continue;
    }
    if (monotonic && pod !== unhealthy && !isRunningAndAvailable(pod, minReady, inp.now)) return { actions, waitMs: msUntilAvailable(pod, minReady, inp.now) || undefined };
    actions.push({ kind: "delete", pod, why: "condemned" });
    if (monotonic) return { actions };
  }
  if (condemned.length && !monotonic) return { actions };
  if (set.spec.updateStrategy?.type !== "RollingUpdate") return { actions };
  return { actions: [...actions, ...rollingUpdate(inp, replicas)] };
}

/**
 * The highest-ordinal pod (down to the partition) not at the update revision goes, one at a time
 * waiting for health; with maxUnavailable set (the MaxUnavailableStatefulSet behaviour), as many
 * at once as keep the unhealthy pods within it.
 */
function rollingUpdate(inp: PlanInput, replicas: Array<Pod | undefined>): Action[] {
  const ru = inp.set.spec.updateStrategy?.rollingUpdate;
  const partition = ru?.partition ?? 0;
  const outdated = (pod: Pod) => podRevision(pod) !== inp.update.name && !isTerminating(pod);
  if (ru?.maxUnavailable !== undefined) {
    const budget = maxUnavailable(ru.maxUnavailable, replicas.length) - replicas.filter((p) => !p || !isHealthy(p)).length;
    const doomed: Action[] = [];
    for (let i = replicas.length - 1; i >= partition && doomed.length < budget; i--) {
      const pod = replicas[i];
      if (pod && outdated(pod)) doomed.push({ kind: "delete", pod, why: "update" });
    }
    return doomed;
  }
  for (let i = replicas.length - 1; i >= partition; i--) {
    const pod = replicas[i];
    if (!pod) return [];
    if (outdated(pod)) return [{ kind: "delete", pod, why: "update" }];
    if (!isHealthy(pod)) return [];
  }
  return [];
}

/** GetScaledValueFromIntOrPercent rounding up, at least 1. */
function maxUnavailable(v: number | string, replicas: number): number {
  const n = typeof v === "number" ? v : Math.ceil((Number(v.replace("%", "")) * replicas) / 100);
  return Math.max(1, n);
}
