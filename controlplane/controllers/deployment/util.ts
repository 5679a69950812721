// Deployment bookkeeping on ReplicaSets: revisions and their annotations, which ReplicaSet is the
// new one (same template), which are old, and the annotations copied from the Deployment.
import type { Deployment, ReplicaSet } from "../../../api/apps";
import { equalIgnoreHash } from "./hash";
import { resolveFenceposts, type Fenceposts } from "./rollout-math";
import { compareStrings } from "../../../api/order";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** Deployment annotations that are not copied to its ReplicaSets. */
function skipCopy(key: string): boolean {
  return (
    key === LAST_APPLIED_ANNOTATION ||
    key === REVISION_ANNOTATION ||
    key === REVISION_HISTORY_ANNOTATION ||
    key === DESIRED_REPLICAS_ANNOTATION ||
    key === MAX_REPLICAS_ANNOTATION ||
    key.startsWith("deprecated.deployment.rollback")
  );
}

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const v = Number.parseInt(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? "", 10);
  return Number.isNaN(v) ? 0 : v;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

export const replicasOf = (rs: ReplicaSet | undefined) => rs?.spec.replicas ?? 0;

/** The ReplicaSet whose template is the Deployment's (the oldest such, if there are several). */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return byCreation(rss).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export function byCreation(rss: ReplicaSet[]): ReplicaSet[] {
  return [...rss].sort((a, b) => {
    const d = Date.parse(a.metadata.creationTimestamp ?? "") - Date.parse(b.metadata.creationTimestamp ?? "");
    return d !== 0 && !Number.isNaN(d) ? d : compareStrings(a.metadata.name ?? "", b.metadata.name ?? "");
  });
}

export function fencepostsOf(d: Deployment): Fenceposts {
  const desired = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === "Recreate") return { maxSurge: 0, maxUnavailable: desired };
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desired);
}

/** Copies the Deployment's annotations (change-cause and user ones) onto rs; true when something changed. */
function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const target = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (skipCopy(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Annotations of the new ReplicaSet: copied ones, the revision raised to newRevision when lower
 * (remembering the old one in revision-history), and for a fresh one the replica annotations.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const annotations = (rs.metadata.annotations ??= {});
  const old = annotations[REVISION_ANNOTATION];
  const oldNum = Number.parseInt(old ?? "", 10);
  if (old === undefined || Number.isNaN(oldNum) || oldNum < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old !== undefined && old !== "") {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${old}` : old;
    }
  }
  if (!exists && setReplicasAnnotations(rs, d.spec.replicas ?? 1, (d.spec.replicas ?? 1) + fencepostsOf(d).maxSurge)) changed = true;
  return changed;
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  const want = { [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
  let changed = false;
  for (const [k, v] of Object.entries(want)) {
    if (annotations[k] !== v) {
      annotations[k] = v;
      changed = true;
    }
  }
  return changed;
}

/** Is the Deployment's replica count different from what its active ReplicaSets were sized for? */
export function isScalingEvent(d: Deployment, rss: ReplicaSet[]): boolean {
  const desired = String(d.spec.replicas ?? 1);
  return rss.some((rs) => replicasOf(rs) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== undefined && rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION] !== desired);
}
