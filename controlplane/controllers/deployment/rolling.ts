// RollingUpdate: grow the new ReplicaSet up to desired + maxSurge pods in all, shrink old ones
// while at least desired - maxUnavailable stay available (unhealthy old pods first).
import type { Deployment, ReplicaSet } from "../../../api/apps";
import type { Result } from "../../../client";
import type { DeploymentContext } from "./context";
import { syncRolloutStatus } from "./progress";
import { maxScaledDown, newReplicaSetReplicas, scaleDownOldest } from "./rollout-math";
import { calculateStatus, deploymentComplete } from "./status";
import { cleanupDeployment, getNewReplicaSet, scaleReplicaSet } from "./sync";
import { byCreation, fencepostsOf, replicasOf } from "./util";

type C = DeploymentContext;

export async function rolloutRolling(c: C, d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
  const newRS = (await getNewReplicaSet(c, d, rsList, true))!;
  let oldRSs = rsList.filter((rs) => rs.metadata.uid !== newRS.metadata.uid);
  const all = () => [newRS, ...oldRSs];

  const scaledNew = await reconcileNewReplicaSet(c, d, newRS, all());
  if (scaledNew) return syncRolloutStatus(c, d, [scaledNew, ...oldRSs], scaledNew);

  const scaledOld = await reconcileOldReplicaSets(c, d, newRS, oldRSs);
  if (scaledOld) {
    oldRSs = scaledOld;
    return syncRolloutStatus(c, d, all(), newRS);
  }
  if (deploymentComplete(d, calculateStatus(d, all(), newRS, c.now()))) await cleanupDeployment(c, d, oldRSs);
  return syncRolloutStatus(c, d, all(), newRS);
}

/** Scales the new ReplicaSet toward desired within maxSurge; the scaled ReplicaSet or undefined. */
async function reconcileNewReplicaSet(c: C, d: Deployment, newRS: ReplicaSet, all: ReplicaSet[]): Promise<ReplicaSet | undefined> {
  const desired = d.spec.replicas ?? 1;
  const current = replicasOf(newRS);
  if (current === desired) return undefined;
  if (current > desired) return scaleReplicaSet(c, d, newRS, desired);
  const target = newReplicaSetReplicas({
    desired,
    maxSurge: fencepostsOf(d).maxSurge,
    newReplicas: current,
    totalReplicas: all.reduce((n, rs) => n + replicasOf(rs), 0),
  });
  if (target === current) return undefined;
  return scaleReplicaSet(c, d, newRS, target);
}

/** Scales old ReplicaSets down as far as availability allows; the new list when something changed. */
async function reconcileOldReplicaSets(c: C, d: Deployment, newRS: ReplicaSet, oldRSs: ReplicaSet[]): Promise<ReplicaSet[] | undefined> {
  const oldCount = oldRSs.reduce((n, rs) => n + replicasOf(rs), 0);
  if (oldCount === 0) return undefined;
  const desired = d.spec.replicas ?? 1;
  const { maxUnavailable } = fencepostsOf(d);
  const all = [newRS, ...oldRSs];
  const budget = maxScaledDown({
    totalReplicas: all.reduce((n, rs) => n + replicasOf(rs), 0),
    desired,
    maxUnavailable,
    newReplicas: replicasOf(newRS),
    newAvailable: newRS.status?.availableReplicas ?? 0,
  });
  if (budget <= 0) return undefined;

  let result = [...oldRSs];
  let changed = false;
  const put = (before: ReplicaSet, after: ReplicaSet) => {
    result = result.map((x) => (x === before ? after : x));
    changed = changed || after !== before;
  };
  // First the old pods that are not available anyway (they cost no availability).
  let cleaned = 0;
  for (const rs of byCreation(result)) {
    if (cleaned >= budget) break;
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(budget - cleaned, unhealthy);
    put(rs, await scaleReplicaSet(c, d, rs, replicasOf(rs) - down));
    cleaned += down;
  }
  // Then available ones, down to desired - maxUnavailable available in all.
  const minAvailable = desired - maxUnavailable;
  const available = [newRS, ...result].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
  const allowed = Math.min(budget - cleaned, available - minAvailable);
  if (allowed > 0) {
    const plan = scaleDownOldest(byCreation(result).map((rs) => ({ rs, replicas: replicasOf(rs) })), allowed);
    for (const { rs: item, replicas } of plan) put(item.rs, await scaleReplicaSet(c, d, item.rs, replicas));
  }
  return changed ? result : undefined;
}
