// ControllerRevision helpers (Kubernetes' pkg/controller/history): a revision's data is the patch
// `{"spec":{"template":{...,"$patch":"replace"}}}` that kubectl's rollout undo applies back to its
// owner, serialized with sorted keys as Go's json.Marshal of a map does (so kubectl can tell
// "already matches" by comparing bytes); its name is `<owner>-<hash of that data>`, bumped by the
// collision count when another revision already holds the name.
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { PodTemplateSpec } from "../../../api/core";
import type { OwnerReference } from "../../../api/meta";
import { canonicalJson, computeHash } from "../deployment/hash";
import { compareStrings } from "../../../api/order";

export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

type RevisionData = { spec: { template: PodTemplateSpec & { $patch?: string } } };

/** The data a revision of `template` holds: a canonical (sorted-key) strategic-merge patch. */
export function revisionData(template: PodTemplateSpec): Record<string, unknown> {
  return JSON.parse(canonicalJson({ spec: { template: { ...template, $patch: "replace" } } })) as Record<string, unknown>;
}

/** The pod template a revision restores. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec {
  const template = structuredClone((revision.data as RevisionData | undefined)?.spec?.template ?? {}) as PodTemplateSpec & { $patch?: string };
  delete template.$patch;
  return template;
}

/** HashControllerRevision: FNV-32a of the data plus the collision count, in the safe alphabet. */
export function revisionHash(data: Record<string, unknown>, collisionCount = 0): string {
  // computeHash hashes the canonical JSON of what it is given (data has no template labels to drop).
  return computeHash(data as unknown as PodTemplateSpec, collisionCount);
}

/** ControllerRevisionName: the owner's name (cut to 223 characters) and the hash. */
export function revisionName(owner: string, hash: string): string {
  return `${owner.length > 223 ? owner.slice(0, 223) : owner}-${hash}`;
}

/** NewControllerRevision: labelled like the template (so the owner's selector finds it) and with the hash. */
export function newRevision(o: {
  owner: OwnerReference;
  namespace?: string;
  template: PodTemplateSpec;
  revision: number;
  collisionCount: number;
  /** The hash to name it by (default: of its data, with the collision count). */
  hash?: string;
}): ControllerRevision {
  const data = revisionData(o.template);
  const hash = o.hash ?? revisionHash(data, o.collisionCount);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(o.owner.name, hash),
      namespace: o.namespace,
      labels: { ...o.template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [o.owner],
    },
    data,
    revision: o.revision,
  } as ControllerRevision;
}

/** EqualRevision: the same data (hash labels aside). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data ?? {}) === canonicalJson(b.data ?? {});
}

/** SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort(
    (a, b) =>
      a.revision - b.revision ||
      compareStrings(a.metadata.creationTimestamp ?? "", b.metadata.creationTimestamp ?? "") ||
      compareStrings(a.metadata.name ?? "", b.metadata.name ?? ""),
  );
}

/** The number the next revision gets: one past the highest (1 for the first). */
export function nextRevisionNumber(sorted: readonly ControllerRevision[]): number {
  return sorted.length ? sorted[sorted.length - 1]!.revision + 1 : 1;
}

/**
 * truncateHistory: the revisions beyond `limit` to delete, oldest first, never one in `live`
 * (the current and update revisions and any a pod still runs).
 */
export function revisionsToPrune(sorted: readonly ControllerRevision[], live: ReadonlySet<string>, limit: number): ControllerRevision[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name ?? ""));
  const excess = history.length - limit;
  return excess > 0 ? history.slice(0, excess) : [];
}
