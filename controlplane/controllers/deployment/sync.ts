// Steps every strategy shares: find or create the new ReplicaSet (with its revision), scale one
// ReplicaSet, scale all of them for a scaling event or a paused Deployment, and clean up old
// ReplicaSets beyond revisionHistoryLimit.
import type { Deployment, ReplicaSet } from "../../../api/apps";
import { deployments as dRes, ignoreNotFound, isAlreadyExists, replicasets as rsRes, type Result } from "../../../client";
import { controllerRef, controllerRefTo } from "../owner";
import type { DeploymentContext } from "./context";
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from "./hash";
import { updateDeploymentStatus, setProgressing } from "./progress";
import { newReplicaSetReplicas, proportionalScale } from "./rollout-math";
import { REASON, calculateStatus, getCondition, statusEqual } from "./status";
import {
  byCreation,
  fencepostsOf,
  findNewReplicaSet,
  maxRevision,
  replicasOf,
  REVISION_ANNOTATION,
  revisionOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "./util";

type C = DeploymentContext;

/** Splits the claimed ReplicaSets into the new one (if any) and the old ones. */
export function splitReplicaSets(d: Deployment, rsList: ReplicaSet[]): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rsList);
  return { newRS, oldRSs: rsList.filter((rs) => rs !== newRS) };
}

/**
 * The new ReplicaSet with its revision raised above the old ones (reusing one whose template
 * matches, as `rollout undo` needs), created when missing and `create` is set.
 */
export async function getNewReplicaSet(c: C, d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const { newRS: existing, oldRSs } = splitReplicaSets(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReadyChanged = (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    let rs = existing;
    if (annotationsChanged || minReadyChanged) {
      copy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      rs = await c.client.update<ReplicaSet>(rsRes, copy.metadata.namespace, copy);
    }
    await setDeploymentRevision(c, d, String(revisionOf(rs)));
    if (!getCondition(d.status, "Progressing")) {
      await setProgressing(c, d, "True", REASON.FoundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`);
    }
    return rs;
  }
  if (!create) return undefined;

  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  const template = structuredClone(d.spec.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "Deployment", metadata: d.metadata })],
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  const desired = d.spec.replicas ?? 1;
  rs.spec.replicas =
    d.spec.strategy?.type === "Recreate"
      ? desired
      : newReplicaSetReplicas({ desired, maxSurge: fencepostsOf(d).maxSurge, newReplicas: 0, totalReplicas: rsList.reduce((n, x) => n + replicasOf(x), 0) });
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  let created: ReplicaSet;
  try {
    created = await c.client.create<ReplicaSet>(rsRes, d.metadata.namespace, rs);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    // Ours already (the cache lagged)? Then use it; otherwise a hash collision: bump the count.
    const found = await c.client.get<ReplicaSet>(rsRes, d.metadata.namespace, rs.metadata.name!);
    if (controllerRef(found)?.uid === d.metadata.uid && equalIgnoreHash(found.spec.template, d.spec.template)) return found;
    await updateDeploymentStatus(c, d, { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
    throw new Error(`hash collision for ReplicaSet ${rs.metadata.name}; retrying with collisionCount ${(d.status?.collisionCount ?? 0) + 1}`);
  }
  if ((created.spec.replicas ?? 0) > 0) {
    c.recorder?.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas}`);
  }
  await setDeploymentRevision(c, d, String(revisionOf(created)));
  await setProgressing(c, d, "True", REASON.NewReplicaSetCreated, `Created new replica set "${created.metadata.name}"`);
  return created;
}

/** Writes the revision annotation onto the Deployment (metadata only; no new generation). */
async function setDeploymentRevision(c: C, d: Deployment, revision: string): Promise<void> {
  if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
  const updated = await c.client.patch<Deployment>(dRes, d.metadata.namespace, d.metadata.name!, { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, "merge");
  d.metadata.annotations = updated.metadata.annotations;
  d.metadata.resourceVersion = updated.metadata.resourceVersion;
}

/** Scales rs to `replicas` (and refreshes its replica annotations); returns the ReplicaSet as written. */
export async function scaleReplicaSet(c: C, d: Deployment, rs: ReplicaSet, replicas: number): Promise<ReplicaSet> {
  const copy = structuredClone(rs);
  const from = replicasOf(rs);
  const annotationsChanged = setReplicasAnnotations(copy, d.spec.replicas ?? 1, (d.spec.replicas ?? 1) + fencepostsOf(d).maxSurge);
  if (from === replicas && !annotationsChanged) return rs;
  copy.spec.replicas = replicas;
  const updated = await c.client.update<ReplicaSet>(rsRes, copy.metadata.namespace, copy);
  if (from !== replicas) {
    const dir = replicas > from ? "up" : "down";
    c.recorder?.event(d, "Normal", "ScalingReplicaSet", `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
  }
  return updated;
}

/**
 * Paused, scaled or being deleted: no rollout, only make the ReplicaSets' sizes add up to the
 * Deployment's replicas (proportionally when several are active), then write status.
 */
export async function syncScaleOnly(c: C, d: Deployment, rsList: ReplicaSet[], opts: { statusOnly?: boolean } = {}): Promise<Result | void> {
  let newRS = await getNewReplicaSet(c, d, rsList, false);
  let oldRSs = rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
  if (!opts.statusOnly) {
    const scaled = await scale(c, d, newRS, oldRSs);
    newRS = scaled.newRS;
    oldRSs = scaled.oldRSs;
    if (d.spec.paused) await cleanupDeployment(c, d, oldRSs);
  }
  const all = newRS ? [newRS, ...oldRSs] : oldRSs;
  const status = calculateStatus(d, all, newRS, c.now());
  if (!statusEqual(d.status, status)) await updateDeploymentStatus(c, d, status);
}

async function scale(c: C, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
  const desired = d.spec.replicas ?? 1;
  const all = newRS ? [newRS, ...oldRSs] : [...oldRSs];
  const active = all.filter((rs) => replicasOf(rs) > 0);
  const replace = (before: ReplicaSet, after: ReplicaSet) => {
    if (before === newRS) newRS = after;
    else oldRSs = oldRSs.map((x) => (x === before ? after : x));
  };
  // One active ReplicaSet (or none): it gets all the replicas.
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? byCreation(oldRSs).at(-1);
    if (target) replace(target, await scaleReplicaSet(c, d, target, desired));
    return { newRS, oldRSs };
  }
  // The new one is saturated: old ones go to zero.
  if (newRS && replicasOf(newRS) === desired && (newRS.status?.availableReplicas ?? 0) === desired) {
    for (const rs of oldRSs) if (replicasOf(rs) > 0) replace(rs, await scaleReplicaSet(c, d, rs, 0));
    return { newRS, oldRSs };
  }
  if (d.spec.strategy?.type === "Recreate") return { newRS, oldRSs };
  // Several active: share the difference proportionally (newest first breaks ties).
  const ordered = byCreation(active).reverse();
  const allowed = desired + fencepostsOf(d).maxSurge;
  const sizes = proportionalScale(ordered.map(replicasOf), allowed);
  for (let i = 0; i < ordered.length; i++) {
    const rs = ordered[i]!;
    replace(rs, await scaleReplicaSet(c, d, rs, sizes[i]!));
  }
  return { newRS, oldRSs };
}

/** Deletes the oldest ReplicaSets at zero replicas beyond revisionHistoryLimit. */
export async function cleanupDeployment(c: C, d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
  const excess = cleanable.length - limit;
  if (excess <= 0) return;
  const oldestFirst = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of oldestFirst.slice(0, excess)) {
    await c.client.delete(rsRes, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }).catch(ignoreNotFound);
  }
}
