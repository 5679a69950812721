// Expectations: what a ReplicaSet is still waiting to see in its pod informer after creating or
// deleting pods, so a sync that runs before those events arrive does not act twice. They expire
// after 5 minutes, as Kubernetes', in case an event was lost.
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  expect(key: string, add: number, del: number): void {
    this.map.set(key, { add, del, at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.del--;
  }

  /** A create or delete that failed will never be observed. */
  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.map.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.now() - e.at > EXPECTATIONS_TTL_MS;
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
