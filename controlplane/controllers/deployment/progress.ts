// The Progressing condition: NewReplicaSetCreated / FoundNewReplicaSet when the rollout starts,
// ReplicaSetUpdated while pods move, NewReplicaSetAvailable when done, ProgressDeadlineExceeded
// when nothing moved for progressDeadlineSeconds; DeploymentPaused/Resumed around a pause.
import type { Deployment, DeploymentStatus, ReplicaSet } from "../../../api/apps";
import { deployments as dRes, ignoreNotFound, isConflict, type Result } from "../../../client";
import type { DeploymentContext } from "./context";
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  msUntilDeadline,
  newCondition,
  REASON,
  setCondition,
  statusEqual,
} from "./status";

type C = DeploymentContext;

/** Writes status (retrying once on a conflict with a fresh read); keeps d's status in step. */
export async function updateDeploymentStatus(c: C, d: Deployment, status: DeploymentStatus): Promise<void> {
  try {
    const updated = await c.client.updateStatus<Deployment>(dRes, d.metadata.namespace, { ...d, status });
    d.status = updated.status;
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
  } catch (err) {
    if (!isConflict(err)) return ignoreNotFound(err);
    const fresh = await c.client.get<Deployment>(dRes, d.metadata.namespace, d.metadata.name!);
    if (fresh.metadata.uid !== d.metadata.uid) return;
    const updated = await c.client.updateStatus<Deployment>(dRes, d.metadata.namespace, { ...fresh, status });
    d.status = updated.status;
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }
}

export async function setProgressing(c: C, d: Deployment, status: string, reason: string, message: string): Promise<void> {
  if (d.spec.progressDeadlineSeconds === undefined) return;
  const next: DeploymentStatus = { ...d.status, conditions: [...(d.status?.conditions ?? [])] };
  setCondition(next, newCondition("Progressing", status, reason, message, c.now()));
  if (!statusEqual(d.status, next)) await updateDeploymentStatus(c, d, next);
}

export async function checkPausedConditions(c: C, d: Deployment): Promise<void> {
  if (d.spec.progressDeadlineSeconds === undefined) return;
  const cond = getCondition(d.status, "Progressing");
  if (cond?.reason === REASON.ProgressDeadlineExceeded) return;
  const paused = Boolean(d.spec.paused);
  if (paused && cond?.reason !== REASON.DeploymentPaused) {
    await setProgressing(c, d, "Unknown", REASON.DeploymentPaused, "Deployment is paused");
  } else if (!paused && cond?.reason === REASON.DeploymentPaused) {
    await setProgressing(c, d, "Unknown", REASON.DeploymentResumed, "Deployment is resumed");
  }
}

export async function syncRolloutStatus(c: C, d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<Result | void> {
  const now = c.now();
  const status = calculateStatus(d, allRSs, newRS, now);
  const current = getCondition(d.status, "Progressing");
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === REASON.NewReplicaSetAvailable;
  if (d.spec.progressDeadlineSeconds !== undefined && !isComplete) {
    const name = newRS?.metadata.name;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition("Progressing", "True", REASON.NewReplicaSetAvailable, `ReplicaSet "${name}" has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      const message = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const cond = newCondition("Progressing", "True", REASON.ReplicaSetUpdated, message, now);
      if (current?.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
      status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== "Progressing"), cond];
    } else if (deploymentTimedOut(d, status, now)) {
      const message = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(status, newCondition("Progressing", "False", REASON.ProgressDeadlineExceeded, message, now));
    }
  }
  if (!statusEqual(d.status, status)) await updateDeploymentStatus(c, d, status);
  const wait = msUntilDeadline(d, status, now);
  if (wait !== undefined && !deploymentComplete(d, status)) return { requeueAfter: wait };
}
