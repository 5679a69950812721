// A StatefulSet's status from its pods (computeReplicaStatus + completeRollingUpdate): created,
// Ready, available (minReadySeconds) and per-revision counts; once every replica is updated and
// Ready, the update revision becomes the current one.
import type { StatefulSet, StatefulSetStatus } from "../../../api/apps-statefulset";
import type { Pod } from "../../../api/core";
import { deepEqual } from "../../../api/define";
import { podRevision } from "./identity";
import { isRunningAndAvailable, isRunningAndReady } from "./plan";

export function calculateStatus(set: StatefulSet, pods: Pod[], revisions: { current: string; update: string; collisionCount: number }, now: number): StatefulSetStatus {
  const minReady = set.spec.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: revisions.current,
    updateRevision: revisions.update,
    collisionCount: revisions.collisionCount,
  };
  for (const pod of pods) {
    status.replicas!++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas!++;
      if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas!++;
    }
    if (pod.metadata.deletionTimestamp) continue;
    if (podRevision(pod) === revisions.current) status.currentReplicas!++;
    if (podRevision(pod) === revisions.update) status.updatedReplicas!++;
  }
  if (set.spec.updateStrategy?.type === "RollingUpdate" && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
  if (set.status?.conditions) status.conditions = set.status.conditions;
  return status;
}

export const statusEqual = (a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean => deepEqual(a ?? {}, b);
