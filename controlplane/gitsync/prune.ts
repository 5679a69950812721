// Prune: delete what the recorded inventory has and the new revision lacks, only when the live
// object still carries our source label, refusing guarded cases (PruneBlocked), in reverse order.
import type { InventoryEntry } from "../../api/gitops";
import type { ApiClient } from "../../client";
import { deleteAll, type LiveObject, type PreparedObject } from "./apply";
import type { RestMapper } from "./mapper";
import { objectKey } from "./manifests";
import { REVISION_ANNOTATION, planPrune, type LiveOwner, type ObjectRef } from "./plan";

export interface PruneInput {
  previous: InventoryEntry[];
  objects: PreparedObject[];
  /** Live objects by key (must include the previous inventory's). */
  live: Map<string, LiveObject>;
  source: string;
  allowMassPrune: boolean;
  /**
   * SHA of a revision an earlier run began and never finished (its inventory checkpoint is in the
   * previous inventory): objects stamped with it do not count in the mass-prune guard's baseline.
   */
  unfinishedSha?: string;
  signal?: AbortSignal;
}

export interface PruneOutcome {
  deleted: ObjectRef[];
  /** Inventory entries that stay (blocked or failed deletes): retried by later runs. */
  kept: ObjectRef[];
  failed: Array<{ ref: ObjectRef; message: string }>;
  /** Why the guard refused, when it did. */
  blocked?: string;
}

export async function prune(client: ApiClient, mapper: RestMapper, input: PruneInput): Promise<PruneOutcome> {
  const live = new Map<string, LiveOwner>();
  for (const ref of input.previous) {
    const l = input.live.get(objectKey(ref));
    if (l) live.set(objectKey(ref), { labels: l.metadata.labels, annotations: l.metadata.annotations });
  }
  // The objects the applied revisions own: live ones, less those an unfinished run created.
  let baseline: number | undefined;
  if (input.unfinishedSha) {
    baseline = 0;
    for (const ref of input.previous) {
      const l = input.live.get(objectKey(ref));
      if (l && l.metadata.annotations?.[REVISION_ANNOTATION] !== input.unfinishedSha) baseline++;
    }
  }
  const plan = planPrune({
    previous: input.previous,
    next: input.objects.map((o) => o.ref),
    source: input.source,
    live,
    allowMassPrune: input.allowMassPrune,
    baseline: baseline !== undefined && baseline > 0 ? baseline : undefined,
  });
  if (plan.blocked) return { deleted: [], kept: plan.prune, failed: [], blocked: plan.blocked.message };
  const { deleted, failed } = await deleteAll(client, mapper, plan.prune, input.signal);
  return { deleted, kept: failed.map((f) => f.ref), failed };
}

/**
 * The prune phase of a run: only after a clean apply and with spec.prune on. After a failed
 * apply the whole previous inventory stays (its objects may still be needed by a retry).
 */
export async function pruneAfterApply(client: ApiClient, mapper: RestMapper, input: PruneInput & { enabled: boolean; applyFailed: boolean }): Promise<PruneOutcome> {
  if (input.applyFailed) return { deleted: [], kept: input.previous, failed: [] };
  if (!input.enabled) return { deleted: [], kept: [], failed: [] };
  return prune(client, mapper, input);
}
