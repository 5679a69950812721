// Recreate: scale every old ReplicaSet to zero, wait until none of their pods is left running,
// then create (or scale) the new ReplicaSet to the desired replicas.
import type { Deployment, ReplicaSet } from "../../../api/apps";
import type { Result } from "../../../client";
import type { DeploymentContext } from "./context";
import { syncRolloutStatus } from "./progress";
import { calculateStatus, deploymentComplete } from "./status";
import { cleanupDeployment, getNewReplicaSet, scaleReplicaSet, splitReplicaSets } from "./sync";
import { replicasOf } from "./util";

type C = DeploymentContext;

export async function rolloutRecreate(c: C, d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
  let newRS = await getNewReplicaSet(c, d, rsList, false);
  let oldRSs = splitReplicaSets(d, rsList).oldRSs;

  let scaledDown = false;
  const next: ReplicaSet[] = [];
  for (const rs of oldRSs) {
    if (replicasOf(rs) > 0) {
      next.push(await scaleReplicaSet(c, d, rs, 0));
      scaledDown = true;
    } else next.push(rs);
  }
  oldRSs = next;
  const all = () => (newRS ? [newRS, ...oldRSs] : oldRSs);
  if (scaledDown) return syncRolloutStatus(c, d, all(), newRS);

  // Old pods still running (or terminating): wait for their deletion events.
  const oldPods = c.podsOf(oldRSs).filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  if (oldPods.length > 0) return syncRolloutStatus(c, d, all(), newRS);

  newRS ??= await getNewReplicaSet(c, d, rsList, true);
  const desired = d.spec.replicas ?? 1;
  if (newRS && replicasOf(newRS) !== desired) newRS = await scaleReplicaSet(c, d, newRS, desired);
  if (deploymentComplete(d, calculateStatus(d, all(), newRS, c.now()))) await cleanupDeployment(c, d, oldRSs);
  return syncRolloutStatus(c, d, all(), newRS);
}
