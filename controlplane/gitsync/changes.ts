// Apply only what changed. An object needs no write when the new revision asks for exactly the
// body the last applied revision sent (the revision annotation aside) and the live object still
// carries it (no drift): a one-line change in a 1,000-object repository then writes one object,
// and is dry-run as one. What the last applied revision sent is known only in memory; after a
// restart the first revision is applied whole, as before. Drift detection still reads every
// object (recheck in reconcile.ts).
import type { LiveObject, PreparedObject } from "./apply";
import { driftedFields } from "./drift";
import { REVISION_ANNOTATION } from "./plan";
import { deepEqual } from "../../api/define";

export type UnchangedCheck = (p: PreparedObject, live: LiveObject | undefined) => boolean;

/** The body without the revision annotation (which names the revision, not the object). */
export function withoutRevision(body: PreparedObject["body"]): PreparedObject["body"] {
  const annotations = { ...(body.metadata.annotations ?? {}) };
  delete annotations[REVISION_ANNOTATION];
  return { ...body, metadata: { ...body.metadata, annotations } };
}

/** Nothing is unchanged when the last applied revision is not known. */
export const applyEverything: UnchangedCheck = () => false;

export function unchangedSince(previous: PreparedObject[] | undefined): UnchangedCheck {
  if (!previous || previous.length === 0) return applyEverything;
  const before = new Map(previous.map((p) => [p.key, withoutRevision(p.body)]));
  return (p, live) => {
    if (!live) return false;
    const last = before.get(p.key);
    if (!last) return false;
    const body = withoutRevision(p.body);
    return deepEqual(body, last) && driftedFields(body as Record<string, unknown>, live as Record<string, unknown>).length === 0;
  };
}
