// A DaemonSet's ControllerRevisions (Kubernetes' constructHistory and cleanupHistory), so
// `kubectl rollout history/undo ds` work: one revision per template, named `<ds>-<hash>` with the
// same controller-revision-hash its pods carry; orphans matching the selector are adopted; old
// revisions past revisionHistoryLimit that no pod runs are deleted.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { DaemonSet } from "../../../api/apps-daemonset";
import type { Pod } from "../../../api/core";
import { controllerrevisions as crRes, type ApiClient } from "../../../client";
import { ControllerRefManager } from "../controller-ref-manager";
import { computeHash } from "../deployment/hash";
import { controllerRefTo } from "../owner";
import { CONTROLLER_REVISION_HASH_LABEL, revisionName } from "./revision";
import { pruneHistory, syncHistory } from "./sync";

export interface DaemonSetHistory {
  /** The template hash the pods of the live template carry. */
  hash: string;
  collisionCount: number;
  /** Deletes the revisions past the limit that none of `pods` runs. */
  prune(pods: Pod[]): Promise<void>;
}

export async function syncDaemonSetHistory(client: ApiClient, ds: DaemonSet, candidates: ControllerRevision[]): Promise<DaemonSetHistory> {
  const owner = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata };
  const owned = await new ControllerRefManager<ControllerRevision>({ client, resource: crRes, owner, selector: ds.spec.selector }).claim(candidates);
  const hashOf = (count: number) => computeHash(ds.spec.template, count);
  const h = await syncHistory(client, { ref: controllerRefTo(owner), namespace: ds.metadata.namespace, template: ds.spec.template, collisionCount: ds.status?.collisionCount ?? 0, hash: hashOf }, owned);
  const hash = h.update.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? hashOf(h.collisionCount);
  return {
    hash,
    collisionCount: h.collisionCount,
    prune: (pods) => {
      const live = new Set([h.update.metadata.name!, ...pods.map((p) => revisionName(ds.metadata.name!, p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ""))]);
      return pruneHistory(client, h.sorted, live, ds.spec.revisionHistoryLimit ?? 10);
    },
  };
}
