// Expectations: what a ReplicaSet is still waiting to see in its pod informer after creating or
// deleting pods, so a sync that runs before those events arrive does not act twice. They expire
// after 5 minutes, as Kubernetes', in case an event was lost.
const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  /** uids of pods whose deletion has not been seen yet. */
  del: Set<string>;
  at: number;
}

export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  expect(key: string, add: number, deleteUids: string[] = []): void {
    this.map.set(key, { add, del: new Set(deleteUids), at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.add--;
  }

  /** Seen a pod go (or start terminating); counted once per uid. */
  deletionObserved(key: string, uid: string): void {
    this.map.get(key)?.del.delete(uid);
  }

  /** A create or delete that failed will never be observed. */
  lowerExpectations(key: string, add: number, deleteUids: string[] = []): void {
    const e = this.map.get(key);
    if (!e) return;
    e.add -= add;
    for (const uid of deleteUids) e.del.delete(uid);
  }

  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del.size === 0) || this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/** Slow start: batches of 1, 2, 4, ... up to count; stops at the first batch with a failure. */
export async function slowStartBatch(count: number, initialBatch: number, fn: (i: number) => Promise<void>): Promise<{ done: number; error?: unknown }> {
  let done = 0;
  let batch = Math.min(count, initialBatch);
  while (batch > 0) {
    const start = done;
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, i) => fn(start + i)));
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    done += results.filter((r) => r.status === "fulfilled").length;
    if (failed) return { done, error: failed.reason };
    batch = Math.min(2 * batch, count - done);
  }
  return { done };
}
