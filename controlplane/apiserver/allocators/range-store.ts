// One allocation bitmap persisted in the store as a RangeAllocation object under its own key
// (Kubernetes keeps /registry/ranges/serviceips and /registry/ranges/servicenodeports), changed
// only by compare-and-swap on the key's revision and retried on conflict, so several API servers
// on one store never hand out the same item. Inside one process the changes are queued one after
// another (a conflict then only comes from another server) and the last value read is reused as
// the expected revision. Not a served resource: nothing but the allocators and their repair read it.
import { StoreConflictError, type Store, type StoredValue } from "../../storage/store";
import { ApiError } from "../errors";
import { AllocationBitmap } from "./bitmap";
import { noRangeMetrics, type RangeMetrics } from "./metrics";

/** The stored form (core/v1 RangeAllocation: range and data). */
interface RangeAllocation {
  apiVersion: "v1";
  kind: "RangeAllocation";
  metadata: { name: string };
  range: string;
  data: string;
}

const MAX_ATTEMPTS = 100;

export interface RangeSnapshot {
  bitmap: AllocationBitmap;
  /** Revision of the stored value (undefined: not stored yet). */
  revision: number | undefined;
}

export class StoredRange {
  private cached: StoredValue | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    readonly key: string,
    /** The range as text ("10.96.0.0/16", "30000-32767"); a stored bitmap of another range is ignored. */
    readonly range: string,
    readonly size: number,
    readonly metrics: RangeMetrics = noRangeMetrics,
  ) {}

  /** The stored bitmap as it is now (a fresh read). */
  async snapshot(): Promise<RangeSnapshot> {
    this.cached = await this.store.get(this.key);
    const bitmap = this.decode(this.cached);
    this.metrics.observe(bitmap);
    return { bitmap, revision: this.cached?.modRevision };
  }

  /**
   * Applies `change` to the current bitmap and stores the result by compare-and-swap, retrying
   * with a fresh read on conflict; `change` may run several times and must only touch the bitmap.
   * What it throws aborts without a write. With dryRun nothing is written.
   */
  change<T>(change: (bitmap: AllocationBitmap) => T, opts: { dryRun?: boolean } = {}): Promise<T> {
    const run = this.queue.then(() => this.changeNow(change, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the bitmap if the stored revision is still `revision` (repair); false on conflict. */
  async replaceAt(bitmap: AllocationBitmap, revision: number | undefined): Promise<boolean> {
    const run = this.queue.then(() => this.write(bitmap, revision));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async changeNow<T>(change: (bitmap: AllocationBitmap) => T, opts: { dryRun?: boolean }): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fresh = attempt > 0 || !this.cached || Boolean(opts.dryRun);
      if (fresh) this.cached = await this.store.get(this.key);
      const bitmap = this.decode(this.cached);
      const before = bitmap.toBase64();
      let result: T;
      try {
        result = change(bitmap);
      } catch (e) {
        // A refusal read from the cached copy may be out of date (another server released it).
        if (fresh) throw e;
        continue;
      }
      if (opts.dryRun) return result;
      if (bitmap.toBase64() === before) {
        // Nothing to write, as far as the cached copy knows: only a fresh read may say so (a
        // release of what another server allocated must not be lost to a stale copy).
        if (fresh) return result;
        continue;
      }
      if (await this.write(bitmap, this.cached?.modRevision)) return result;
    }
    throw new ApiError(500, "InternalError", `too many concurrent changes to the allocation range ${this.key}; try again`);
  }

  private async write(bitmap: AllocationBitmap, revision: number | undefined): Promise<boolean> {
    const value = JSON.stringify({
      apiVersion: "v1",
      kind: "RangeAllocation",
      metadata: { name: this.key.split("/").pop()! },
      range: this.range,
      data: bitmap.toBase64(),
    } satisfies RangeAllocation);
    try {
      this.cached = revision === undefined ? await this.store.create(this.key, value) : await this.store.update(this.key, value, revision);
      this.metrics.observe(bitmap);
      return true;
    } catch (e) {
      if (!(e instanceof StoreConflictError)) throw e;
      this.cached = undefined;
      return false;
    }
  }

  private decode(stored: StoredValue | undefined): AllocationBitmap {
    if (!stored) return new AllocationBitmap(this.size);
    let parsed: Partial<RangeAllocation>;
    try {
      parsed = JSON.parse(stored.value) as Partial<RangeAllocation>;
    } catch {
      parsed = {};
    }
    // Another range (the flag changed) or an unreadable value: start empty; repair refills it.
    if (parsed.range !== this.range || typeof parsed.data !== "string") return new AllocationBitmap(this.size);
    return AllocationBitmap.fromBase64(this.size, parsed.data);
  }
}
