// The StatefulSet's revisions (getStatefulSetRevisions, truncateHistory) on ../history: the update
// revision is the live template's; the current one is the revision status names, else the update
// revision. Old revisions beyond revisionHistoryLimit that no pod runs are deleted.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { Pod } from "../../../api/core";
import type { ApiClient } from "../../../client";
import { templateOf } from "../history/revision";
import { pruneHistory, syncHistory } from "../history/sync";
import { controllerRefTo } from "../owner";
import { podRevision } from "./identity";
import type { Revision } from "./plan";

export interface Revisions {
  current: Revision;
  update: Revision;
  collisionCount: number;
  /** The set's revisions before this sync, sorted. */
  sorted: ControllerRevision[];
}

const asRevision = (cr: ControllerRevision): Revision => ({ name: cr.metadata.name!, template: templateOf(cr) });

export async function syncRevisions(client: ApiClient, set: StatefulSet, owned: ControllerRevision[]): Promise<Revisions> {
  const ref = controllerRefTo({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata });
  const h = await syncHistory(client, { ref, namespace: set.metadata.namespace, template: set.spec.template, collisionCount: set.status?.collisionCount ?? 0 }, owned);
  const current = h.sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? h.update;
  return { current: asRevision(current), update: asRevision(h.update), collisionCount: h.collisionCount, sorted: h.sorted };
}

/** Deletes the revisions past revisionHistoryLimit, keeping current, update and those pods run. */
export function truncateHistory(client: ApiClient, set: StatefulSet, pods: Pod[], revs: Revisions): Promise<void> {
  const live = new Set([revs.current.name, revs.update.name, ...pods.map(podRevision)]);
  return pruneHistory(client, revs.sorted, live, set.spec.revisionHistoryLimit ?? 10);
}
