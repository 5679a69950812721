// The StatefulSet's revision history (getStatefulSetRevisions, truncateHistory): the update
// revision is the live template's ControllerRevision: the latest one when equal, an older equal
// one renumbered to the next revision (a rollback: `kubectl rollout undo` patched the template
// back), else a new one (a name taken by different data bumps collisionCount). The current
// revision is the one status names, else the update revision. Old revisions beyond
// revisionHistoryLimit that no pod runs are deleted.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { Pod } from "../../../api/core";
import { controllerrevisions as crRes, ignoreNotFound, isAlreadyExists, type ApiClient } from "../../../client";
import { equalRevision, newRevision, nextRevisionNumber, revisionsToPrune, sortRevisions, templateOf } from "../history/revision";
import { controllerRefTo } from "../owner";
import { podRevision } from "./identity";
import type { Revision } from "./plan";

export interface Revisions {
  current: Revision;
  update: Revision;
  collisionCount: number;
}

const asRevision = (cr: ControllerRevision): Revision => ({ name: cr.metadata.name!, template: templateOf(cr) });

export async function syncRevisions(client: ApiClient, set: StatefulSet, owned: ControllerRevision[]): Promise<Revisions> {
  const sorted = sortRevisions(owned);
  let collisionCount = set.status?.collisionCount ?? 0;
  const owner = controllerRefTo({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata });
  const ns = set.metadata.namespace;
  const next = nextRevisionNumber(sorted);
  const candidate = newRevision({ owner, namespace: ns, template: set.spec.template, revision: next, collisionCount });
  const equal = sorted.filter((r) => equalRevision(r, candidate));
  let update: ControllerRevision;
  if (equal.length && sorted[sorted.length - 1] === equal[equal.length - 1]) update = equal[equal.length - 1]!;
  else if (equal.length) update = await client.update<ControllerRevision>(crRes, ns, { ...equal[equal.length - 1]!, revision: next });
  else ({ revision: update, collisionCount } = await createRevision(client, set, owner, next, collisionCount));
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current: asRevision(current), update: asRevision(update), collisionCount };
}

/** CreateControllerRevision: on a name held by other data, count the collision and try the next name. */
async function createRevision(client: ApiClient, set: StatefulSet, owner: ReturnType<typeof controllerRefTo>, revision: number, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const cr = newRevision({ owner, namespace: set.metadata.namespace, template: set.spec.template, revision, collisionCount: count });
    try {
      return { revision: await client.create<ControllerRevision>(crRes, set.metadata.namespace, cr), collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>(crRes, set.metadata.namespace, cr.metadata.name!);
      if (equalRevision(existing, cr) && existing.metadata.ownerReferences?.some((r) => r.uid === set.metadata.uid)) return { revision: existing, collisionCount: count };
      if (count - collisionCount > 16) throw err;
    }
  }
}

/** Deletes the revisions past revisionHistoryLimit, keeping current, update and those pods run. */
export async function truncateHistory(client: ApiClient, set: StatefulSet, owned: ControllerRevision[], pods: Pod[], revs: Revisions): Promise<void> {
  const live = new Set([revs.current.name, revs.update.name, ...pods.map(podRevision)]);
  const doomed = revisionsToPrune(sortRevisions(owned), live, set.spec.revisionHistoryLimit ?? 10);
  for (const cr of doomed) await client.delete(crRes, cr.metadata.namespace, cr.metadata.name!).catch(ignoreNotFound);
}
