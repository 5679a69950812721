// A Deployment's status from its ReplicaSets, its Available and Progressing conditions, and the
// tests Kubernetes applies to it (complete, progressing, timed out).
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "../../../api/apps";
import { rfc3339 } from "../../../api/time";
import { fencepostsOf } from "./util";
import { compareStrings } from "../../../api/order";

export const REASON = {
  NewReplicaSetCreated: "NewReplicaSetCreated",
  FoundNewReplicaSet: "FoundNewReplicaSet",
  ReplicaSetUpdated: "ReplicaSetUpdated",
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  DeploymentPaused: "DeploymentPaused",
  DeploymentResumed: "DeploymentResumed",
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  MinimumReplicasUnavailable: "MinimumReplicasUnavailable",
} as const;

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Sets cond, keeping lastTransitionTime when status and reason are unchanged (Kubernetes' SetDeploymentCondition). */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const conditions = status.conditions ?? [];
  const current = conditions.find((c) => c.type === cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) {
    if (current.message === cond.message) return;
    cond = { ...cond, lastTransitionTime: current.lastTransitionTime };
  } else if (current && current.status === cond.status) {
    cond = { ...cond, lastTransitionTime: current.lastTransitionTime };
  }
  status.conditions = [...conditions.filter((c) => c.type !== cond.type), cond];
}

export function newCondition(type: string, status: string, reason: string, message: string, now = Date.now()): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function calculateStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now = Date.now()): DeploymentStatus {
  const sum = (f: (rs: ReplicaSet) => number | undefined) => allRSs.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const desired = d.spec.replicas ?? 1;
  const available = sum((rs) => rs.status?.availableReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, desired - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (available >= desired - fencepostsOf(d).maxUnavailable) {
    setCondition(status, newCondition("Available", "True", REASON.MinimumReplicasAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition("Available", "False", REASON.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

/** All replicas updated and available, and nothing else left running. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const desired = d.spec.replicas ?? 1;
  return (
    (s.updatedReplicas ?? 0) === desired &&
    (s.replicas ?? 0) === desired &&
    (s.availableReplicas ?? 0) === desired &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Did anything move since the status last written? */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** Progressing has not been updated for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  const cond = getCondition(s, "Progressing");
  if (!cond) return false;
  if (cond.reason === REASON.ProgressDeadlineExceeded) return true;
  if (cond.reason === REASON.NewReplicaSetAvailable) return false;
  const deadline = d.spec.progressDeadlineSeconds;
  if (deadline === undefined) return false;
  const from = Date.parse(cond.lastUpdateTime ?? "");
  return !Number.isNaN(from) && from + deadline * 1000 <= now;
}

/** Milliseconds until the progress deadline passes (undefined when not waiting for it). */
export function msUntilDeadline(d: Deployment, s: DeploymentStatus, now: number): number | undefined {
  const cond = getCondition(s, "Progressing");
  const deadline = d.spec.progressDeadlineSeconds;
  if (!cond || deadline === undefined || cond.status !== "True" || cond.reason === REASON.NewReplicaSetAvailable) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return undefined;
  return Math.max(0, from + deadline * 1000 - now) + 100;
}

/** Statuses equal apart from condition timestamps of unchanged conditions. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b));
}

function normalize(s: DeploymentStatus) {
  return {
    observedGeneration: s.observedGeneration ?? 0,
    replicas: s.replicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    collisionCount: s.collisionCount ?? 0,
    conditions: [...(s.conditions ?? [])]
      .sort((x, y) => compareStrings(x.type, y.type))
      .map((c) => [c.type, c.status, c.reason, c.message, c.lastUpdateTime]),
  };
}
