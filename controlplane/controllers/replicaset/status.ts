// A ReplicaSet's status from its pods: replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas (ready for minReadySeconds), observedGeneration.
import type { ReplicaSet, ReplicaSetStatus } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import { isPodAvailable, isPodReady } from "../pods";

export function calculateStatus(rs: ReplicaSet, activePods: Pod[], now: number): ReplicaSetStatus {
  const templateLabels = rs.spec.template?.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  return {
    ...(rs.status?.conditions ? { conditions: rs.status.conditions } : {}),
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
}

export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    (a?.replicas ?? 0) === b.replicas &&
    (a?.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (a?.readyReplicas ?? 0) === b.readyReplicas &&
    (a?.availableReplicas ?? 0) === b.availableReplicas &&
    a?.observedGeneration === b.observedGeneration
  );
}
