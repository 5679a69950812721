import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter, mapLimit } from "./limiter";

/** A task the test finishes by hand. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe("ConcurrencyLimiter", () => {
  it("runs at most limit tasks at once and starts the waiting ones in arrival order", async () => {
    const limiter = new ConcurrencyLimiter(2);
    const tasks = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = tasks.map((t, i) => limiter.run(async () => (started.push(i), await t.promise, i)));
    await settle();
    expect(started).toEqual([0, 1]);
    expect([limiter.active(), limiter.waiting()]).toEqual([2, 2]);
    tasks[1]!.resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    tasks[0]!.resolve();
    tasks[2]!.resolve();
    tasks[3]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    await limiter.whenIdle();
    expect(limiter.active()).toBe(0);
  });

  it("gives the slot back when a task throws, and a release called twice counts once", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.active()).toBe(0);
    expect(() => new ConcurrencyLimiter(0)).toThrow("at least 1");
  });
});

describe("mapLimit", () => {
  it("keeps the items' order and the limit", async () => {
    let now = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      peak = Math.max(peak, ++now);
      await new Promise<void>((r) => setImmediate(r));
      now--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });

  it("rejects with the first error and starts nothing after it", async () => {
    const seen: number[] = [];
    await expect(mapLimit([1, 2, 3, 4], 1, async (n) => {
      seen.push(n);
      if (n === 2) throw new Error("item 2 failed");
      return n;
    })).rejects.toThrow("item 2 failed");
    await settle();
    expect(seen).toEqual([1, 2]);
  });
});
