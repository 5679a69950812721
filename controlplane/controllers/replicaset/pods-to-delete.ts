// Which pods a ReplicaSet removes first when it has too many: the least valuable ones, in
// Kubernetes' order: unscheduled before scheduled, Pending before Unknown before Running, not
// Ready before Ready, Ready for less time before longer, more restarts before fewer, newer first.
import type { Pod } from "../../../api/core";
import { isPodReady, podReadyCondition } from "../pods";

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

const time = (t: string | undefined) => (t ? Date.parse(t) : 0);

/** Negative when a is less valuable than b (deleted first). */
function compareForDeletion(a: Pod, b: Pod): number {
  const aAssigned = a.spec?.nodeName ? 1 : 0;
  const bAssigned = b.spec?.nodeName ? 1 : 0;
  if (aAssigned !== bAssigned) return aAssigned - bAssigned;
  const aPhase = phaseRank[a.status?.phase ?? "Pending"] ?? 0;
  const bPhase = phaseRank[b.status?.phase ?? "Pending"] ?? 0;
  if (aPhase !== bPhase) return aPhase - bPhase;
  const aReady = isPodReady(a) ? 1 : 0;
  const bReady = isPodReady(b) ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    // Ready more recently = less valuable.
    const d = time(podReadyCondition(b)?.lastTransitionTime) - time(podReadyCondition(a)?.lastTransitionTime);
    if (d !== 0) return d;
  }
  const r = restarts(b) - restarts(a);
  if (r !== 0) return r;
  // Newer first.
  return time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp);
}

export function podsToDelete(pods: Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, count);
}
