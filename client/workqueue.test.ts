import { describe, expect, it } from "vitest";
import { FakeClock } from "./clock";
import { ItemExponentialRateLimiter } from "./ratelimiter";
import { WorkQueue } from "./workqueue";

describe("WorkQueue", () => {
  it("hands out a key added many times only once", async () => {
    const q = new WorkQueue();
    q.add("default/a");
    q.add("default/a");
    q.add("default/b");
    q.add("default/a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("default/a");
    expect(await q.get()).toBe("default/b");
    expect(q.len()).toBe(0);
  });

  it("does not hand a key to a second worker while the first is processing it", async () => {
    const q = new WorkQueue();
    q.add("k");
    const key = await q.get();
    expect(key).toBe("k");
    q.add("k");
    q.add("k");
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done("k");
    await Promise.resolve();
    await Promise.resolve();
    expect(second).toBe("k");
    q.done("k");
    expect(q.len()).toBe(0);
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add("x");
    expect(await got).toBe("x");
  });

  it("drains queued keys after shutDown, then tells workers to stop", async () => {
    const q = new WorkQueue();
    q.add("a");
    const idle = q.get();
    expect(await idle).toBe("a");
    q.add("b");
    q.shutDown();
    q.add("c");
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown()).toBe(true);
  });

  it("releases workers blocked in get when shut down", async () => {
    const q = new WorkQueue();
    const a = q.get();
    const b = q.get();
    q.shutDown();
    expect(await a).toBeUndefined();
    expect(await b).toBeUndefined();
  });

  it("delays addAfter until the time has passed, keeping the earliest time", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("k", 1000);
    q.addAfter("k", 5000);
    q.addAfter("k", 300);
    expect(q.delayed()).toBe(1);
    clock.advance(299);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.delayed()).toBe(0);
    clock.advance(10_000);
    expect(q.len()).toBe(1);
  });

  it("backs off a failing key exponentially and resets after forget", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited("k");
      for (let t = 0; q.len() === 0 && t < 1000; t++) clock.advance(1);
      delays.push(clock.now() - before);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues("k")).toBe(4);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
  });

  it("caps the backoff at the configured maximum", () => {
    const limiter = new ItemExponentialRateLimiter(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 100; i++) last = limiter.when("k");
    expect(last).toBe(1_000_000);
    const small = new ItemExponentialRateLimiter(100, 250);
    expect([small.when("a"), small.when("a"), small.when("a")]).toEqual([100, 200, 250]);
  });

  it("cancels delayed adds on shutDown", () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("k", 100);
    q.shutDown();
    expect(clock.pending()).toBe(0);
    clock.advance(200);
    expect(q.len()).toBe(0);
  });
});
