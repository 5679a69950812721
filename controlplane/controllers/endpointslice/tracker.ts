// What this controller last wrote per Service, so that a sync on a cache that has not caught up
// with those writes waits instead of acting on it (a missed create would be made twice): as
// Kubernetes' endpointSliceTracker, with resourceVersions (the store's global revision) in place
// of generations.
import type { EndpointSlice } from "../../../api/discovery";

const rv = (s: EndpointSlice) => Number(s.metadata.resourceVersion ?? 0);

export class SliceTracker {
  /** Service key → slice name → resourceVersion written (0 = deleted). */
  private readonly written = new Map<string, Map<string, number>>();

  wrote(serviceKey: string, slice: EndpointSlice): void {
    this.entry(serviceKey).set(slice.metadata.name!, rv(slice));
  }

  deleted(serviceKey: string, slice: EndpointSlice): void {
    this.entry(serviceKey).set(slice.metadata.name!, 0);
  }

  forget(serviceKey: string): void {
    this.written.delete(serviceKey);
  }

  /** Does the cache (the Service's slices in it) reflect every write made? Entries it shows are dropped. */
  caughtUp(serviceKey: string, cached: EndpointSlice[]): boolean {
    const entry = this.written.get(serviceKey);
    if (!entry) return true;
    const byName = new Map(cached.map((s) => [s.metadata.name!, s]));
    for (const [name, version] of entry) {
      const seen = byName.get(name);
      const reflected = version === 0 ? !seen : seen !== undefined && rv(seen) >= version;
      if (reflected) entry.delete(name);
    }
    if (entry.size === 0) this.written.delete(serviceKey);
    return entry.size === 0;
  }

  private entry(key: string): Map<string, number> {
    let e = this.written.get(key);
    if (!e) this.written.set(key, (e = new Map()));
    return e;
  }
}
