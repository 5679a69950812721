// The rules for the controllers' kinds, in kstatus's order of checks: each returns the first
// thing still missing (too few replicas, updated, available, ready; extra pods) or Healthy.
import { bool, condition, conditions, healthy, int, label, progressing, degraded, str, type Health, type Live } from "./types";
import { genericHealthOfGeneration } from "./generation";

export function deploymentHealth(obj: Live): Health {
  const name = label("Deployment", obj);
  if (bool(obj, "spec.paused")) return { status: "Suspended", reason: "Paused", message: `${name} is paused` };
  let progressed = !Number.isFinite(int(obj, "spec.progressDeadlineSeconds", Infinity));
  let available = false;
  for (const c of conditions(obj)) {
    if (c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded") return degraded("ProgressDeadlineExceeded", `${name}: ${c.message || "progress deadline exceeded"}`);
    if (c.type === "Progressing" && c.status === "True" && c.reason === "NewReplicaSetAvailable") progressed = true;
    if (c.type === "Available" && c.status === "True") available = true;
  }
  const want = int(obj, "spec.replicas", 1);
  const replicas = int(obj, "status.replicas", 0);
  const updated = int(obj, "status.updatedReplicas", 0);
  const ready = int(obj, "status.readyReplicas", 0);
  const avail = int(obj, "status.availableReplicas", 0);
  if (want > replicas) return progressing("LessReplicas", `${name}: replicas ${replicas}/${want}`);
  if (want > updated) return progressing("LessUpdated", `${name}: updated ${updated}/${want}`);
  if (replicas > want) return progressing("ExtraPods", `${name}: pending termination ${replicas - want}`);
  if (updated > avail) return progressing("LessAvailable", `${name}: available ${avail}/${updated}`);
  if (want > ready) return progressing("LessReady", `${name}: ready ${ready}/${want}`);
  if (!progressed) return progressing("ReplicaSetNotAvailable", `${name}: new ReplicaSet not available yet`);
  if (!available) return progressing("DeploymentNotAvailable", `${name} is not Available`);
  return healthy("RolloutComplete", `${name}: ${want} replicas available`);
}

export function replicaSetHealth(obj: Live): Health {
  const name = label("ReplicaSet", obj);
  const failure = condition(obj, "ReplicaFailure");
  if (failure?.status === "True") return progressing("ReplicaFailure", `${name}: ${failure.message || "replica failure, check its pods"}`);
  const want = int(obj, "spec.replicas", 1);
  const labelled = int(obj, "status.fullyLabeledReplicas", 0);
  const avail = int(obj, "status.availableReplicas", 0);
  const ready = int(obj, "status.readyReplicas", 0);
  const replicas = int(obj, "status.replicas", 0);
  if (want > labelled) return progressing("LessLabelled", `${name}: labelled ${labelled}/${want}`);
  if (want > avail) return progressing("LessAvailable", `${name}: available ${avail}/${want}`);
  if (want > ready) return progressing("LessReady", `${name}: ready ${ready}/${want}`);
  if (replicas > want) return progressing("ExtraPods", `${name}: pending termination ${replicas - want}`);
  return healthy("Available", `${name}: ${replicas} replicas available`);
}

export function statefulSetHealth(obj: Live): Health {
  const name = label("StatefulSet", obj);
  if (str(obj, "spec.updateStrategy.type") === "OnDelete") return healthy("OnDelete", `${name} uses the OnDelete update strategy`);
  const want = int(obj, "spec.replicas", 1);
  const replicas = int(obj, "status.replicas", 0);
  const ready = int(obj, "status.readyReplicas", 0);
  const current = int(obj, "status.currentReplicas", 0);
  const updated = int(obj, "status.updatedReplicas", 0);
  const partition = int(obj, "spec.updateStrategy.rollingUpdate.partition", -1);
  if (want > replicas) return progressing("LessReplicas", `${name}: replicas ${replicas}/${want}`);
  if (want > ready) return progressing("LessReady", `${name}: ready ${ready}/${want}`);
  if (replicas > want) return progressing("ExtraPods", `${name}: pending termination ${replicas - want}`);
  if (partition !== -1) {
    if (updated < want - partition) return progressing("PartitionRollout", `${name}: updated ${updated}/${want - partition}`);
    return healthy("PartitionRolloutComplete", `${name}: partition rollout complete, ${updated} updated`);
  }
  if (want > current) return progressing("LessCurrent", `${name}: current ${current}/${want}`);
  if (str(obj, "status.currentRevision") !== str(obj, "status.updateRevision")) return progressing("RevisionMismatch", `${name}: waiting for the update revision to become current`);
  return healthy("RolloutComplete", `${name}: ${replicas} replicas ready`);
}

export function daemonSetHealth(obj: Live): Health {
  const name = label("DaemonSet", obj);
  const unobserved = genericHealthOfGeneration("DaemonSet", obj);
  if (unobserved) return unobserved;
  const desired = int(obj, "status.desiredNumberScheduled", -1);
  if (desired === -1) return progressing("NoDesiredNumber", `${name}: status.desiredNumberScheduled not set yet`);
  const counts: Array<[string, string, number]> = [
    ["LessCurrent", "current", int(obj, "status.currentNumberScheduled", 0)],
    ["LessUpdated", "updated", int(obj, "status.updatedNumberScheduled", 0)],
    ["LessAvailable", "available", int(obj, "status.numberAvailable", 0)],
    ["LessReady", "ready", int(obj, "status.numberReady", 0)],
  ];
  for (const [reason, what, n] of counts) if (desired > n) return progressing(reason, `${name}: ${what} ${n}/${desired}`);
  return healthy("RolloutComplete", `${name}: ${desired} pods scheduled as expected`);
}
