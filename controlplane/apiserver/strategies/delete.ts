// Deletion as every kind has it: the propagation policy becomes a finalizer (foregroundDeletion,
// orphan) for the garbage collector; an object with finalizers gets a deletionTimestamp and
// stays until they are gone; one without goes at once.
import type { KObject } from "../../../api/resource";
import { rfc3339 } from "../../../api/time";

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** The deprecated orphanDependents: false (only the answer's status code tells it apart). */
  orphanDependents?: false;
}

export interface DeletePlan {
  /** When set, the object is not removed but written like this (deletionTimestamp, finalizers). */
  update?: KObject;
}

/** The object's finalizers plus the one its propagation policy asks for. */
export function propagationFinalizers(obj: KObject, opts: DeleteOptions): string[] {
  const finalizers = [...(obj.metadata.finalizers ?? [])];
  if (opts.propagationPolicy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
  if (opts.propagationPolicy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
  return finalizers;
}

/** `copy` (already a copy of the stored object) marked for deletion while finalizers remain, else removed. */
export function planFinalizedDelete(copy: KObject, finalizers: string[]): DeletePlan {
  if (finalizers.length === 0) return {};
  const meta = copy.metadata;
  if (!meta.deletionTimestamp) {
    meta.deletionTimestamp = rfc3339();
    meta.deletionGracePeriodSeconds = 0;
  }
  meta.finalizers = finalizers;
  return { update: copy };
}
