// Objects parsed once per version and shared, deep-frozen, by reads that only look (admission
// reading a new pod's Namespace and ServiceAccount on every create): Registry.getShared.
import { deepFreeze } from "../../api/freeze";
import type { KObject } from "../../api/resource";
import { cachedText, type CachedObject } from "./watchcache/cache";

/** At most this many shared objects (namespaces and service accounts, in practice); then they are parsed afresh. */
const SHARED_OBJECTS = 4096;

export class SharedObjects {
  private readonly byKey = new Map<string, { revision: number; object: KObject }>();

  /** `found` (the cache's current version of `key`, or undefined) parsed, or the copy parsed at its revision. */
  of(key: string, found: CachedObject | undefined): Readonly<KObject> | undefined {
    if (!found) {
      this.byKey.delete(key);
      return undefined;
    }
    const hit = this.byKey.get(key);
    if (hit && hit.revision === found.revision) return hit.object;
    if (this.byKey.size >= SHARED_OBJECTS) this.byKey.clear();
    const object = deepFreeze(JSON.parse(cachedText(found)) as KObject);
    this.byKey.set(key, { revision: found.revision, object });
    return object;
  }
}
