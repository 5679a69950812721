// What a controller may ignore when it writes to an object it decided about from its cache: the
// object is gone (NotFound) or changed since (Conflict on the resourceVersion or uid precondition).
// Either way the informer brings the new state and the key is synced again from that.
import { ignoreNotFound, isConflict } from "../../client";

/** For `.catch(ignoreNotFoundOrConflict)`: undefined for NotFound or Conflict, rethrows the rest. */
export function ignoreNotFoundOrConflict(err: unknown): undefined {
  if (isConflict(err)) return undefined;
  return ignoreNotFound(err);
}
