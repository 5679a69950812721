// The revision history a controller keeps for its pod template (StatefulSets and DaemonSets,
// Kubernetes' getStatefulSetRevisions / constructHistory): the live template's ControllerRevision
// is the latest one when equal, an older equal one renumbered past the others (a rollback:
// `kubectl rollout undo` patched the template back), else a new one (a name held by different data
// counts a collision and takes the next name). Old revisions past the limit that no pod runs go.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { PodTemplateSpec } from "../../../api/core";
import type { OwnerReference } from "../../../api/meta";
import { controllerrevisions as crRes, ignoreNotFound, isAlreadyExists, type ApiClient } from "../../../client";
import { equalRevision, newRevision, nextRevisionNumber, revisionsToPrune, sortRevisions } from "./revision";

export interface HistoryOwner {
  ref: OwnerReference;
  namespace?: string;
  template: PodTemplateSpec;
  collisionCount: number;
  /** The name's hash (default: of the revision's data, as StatefulSets name them). */
  hash?: (collisionCount: number) => string;
}

export interface SyncedHistory {
  /** The live template's revision. */
  update: ControllerRevision;
  /** The owner's revisions, sorted, as they were before this sync. */
  sorted: ControllerRevision[];
  collisionCount: number;
}

const make = (o: HistoryOwner, revision: number, collisionCount: number) =>
  newRevision({ owner: o.ref, namespace: o.namespace, template: o.template, revision, collisionCount, hash: o.hash?.(collisionCount) });

export async function syncHistory(client: ApiClient, o: HistoryOwner, owned: ControllerRevision[]): Promise<SyncedHistory> {
  const sorted = sortRevisions(owned);
  const next = nextRevisionNumber(sorted);
  const candidate = make(o, next, o.collisionCount);
  const equal = sorted.filter((r) => equalRevision(r, candidate));
  const latestEqual = equal[equal.length - 1];
  if (latestEqual && sorted[sorted.length - 1] === latestEqual) return { update: latestEqual, sorted, collisionCount: o.collisionCount };
  if (latestEqual) return { update: await client.update<ControllerRevision>(crRes, o.namespace, { ...latestEqual, revision: next }), sorted, collisionCount: o.collisionCount };
  const created = await createRevision(client, o, next);
  return { ...created, sorted };
}

/** CreateControllerRevision: on a name held by other data, count the collision and try the next name. */
async function createRevision(client: ApiClient, o: HistoryOwner, revision: number): Promise<{ update: ControllerRevision; collisionCount: number }> {
  for (let count = o.collisionCount; ; count++) {
    const cr = make(o, revision, count);
    try {
      return { update: await client.create<ControllerRevision>(crRes, o.namespace, cr), collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>(crRes, o.namespace, cr.metadata.name!);
      if (equalRevision(existing, cr) && existing.metadata.ownerReferences?.some((r) => r.uid === o.ref.uid)) return { update: existing, collisionCount: count };
      if (count - o.collisionCount > 16) throw err;
    }
  }
}

/** Deletes the revisions past `limit`, oldest first, keeping those named in `live`. */
export async function pruneHistory(client: ApiClient, sorted: ControllerRevision[], live: ReadonlySet<string>, limit: number): Promise<void> {
  for (const cr of revisionsToPrune(sorted, live, limit)) await client.delete(crRes, cr.metadata.namespace, cr.metadata.name!).catch(ignoreNotFound);
}
