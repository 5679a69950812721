// A DaemonSet's status from its node states (after Kubernetes' updateDaemonSetStatus): desired
// and current count eligible nodes, misscheduled the others that still have a pod.
import type { DaemonSet, DaemonSetStatus } from "../../../api/apps-daemonset";
import { deepEqual } from "../../../api/define";
import { isPodAvailable, isPodReady } from "../pods";
import { REVISION_HASH_LABEL } from "./nodes";
import { countedPod, type NodeState } from "./plan";

/** The counts are optional in the schema (Go writes its zero values; a client may omit them), never here. */
type CountedStatus = DaemonSetStatus & Required<Pick<DaemonSetStatus, "currentNumberScheduled" | "numberMisscheduled" | "desiredNumberScheduled" | "numberReady" | "updatedNumberScheduled" | "numberAvailable">>;

export function calculateStatus(ds: DaemonSet, states: NodeState[], hash: string, now: number): DaemonSetStatus {
  const s: CountedStatus = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0 };
  for (const st of states) {
    const pod = countedPod(st);
    if (!st.eligible.shouldRun) {
      if (pod) s.numberMisscheduled++;
      continue;
    }
    s.desiredNumberScheduled++;
    if (!pod) continue;
    s.currentNumberScheduled++;
    if (isPodReady(pod)) s.numberReady++;
    if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) s.numberAvailable++;
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) s.updatedNumberScheduled++;
  }
  s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
  s.observedGeneration = ds.metadata.generation;
  if (ds.status?.collisionCount !== undefined) s.collisionCount = ds.status.collisionCount;
  return s;
}

export const statusEqual = (a: DaemonSetStatus | undefined, b: DaemonSetStatus) => deepEqual(a ?? {}, b);
