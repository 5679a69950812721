// The Job controller's index of the shared pod cache (Kubernetes' PodControllerUIDIndex): a pod
// under its controller's uid, or, when it has no controller, under its namespace's orphan key. A
// sync then reads only the Job's own pods and the orphans it might adopt, never the namespace.
import type { Job } from "../../../api/batch";
import type { Pod } from "../../../api/core";
import type { IndexFunc, Informer } from "../../../client";
import { controllerRef } from "../owner";

export const POD_CONTROLLER_UID_INDEX = "podControllerUID";

const orphanKey = (namespace: string) => `_ORPHAN_POD/${namespace}`;

export const indexPodByControllerUid: IndexFunc<Pod> = (pod) => [controllerRef(pod)?.uid ?? orphanKey(pod.metadata.namespace ?? "")];

/** Registers the index on the (shared) pod informer; asking twice is harmless. */
export function addPodControllerUidIndex(pods: Informer<Pod>): void {
  pods.addIndexers({ [POD_CONTROLLER_UID_INDEX]: indexPodByControllerUid });
}

/** The pods a Job may claim: those it controls and the orphans of its namespace. */
export function claimCandidates(pods: Informer<Pod>, job: Job): Pod[] {
  const namespace = job.metadata.namespace ?? "";
  const own = job.metadata.uid ? pods.byIndex(POD_CONTROLLER_UID_INDEX, job.metadata.uid).filter((p) => p.metadata.namespace === namespace) : [];
  return [...own, ...pods.byIndex(POD_CONTROLLER_UID_INDEX, orphanKey(namespace))];
}
