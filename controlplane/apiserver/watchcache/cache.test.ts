import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../storage/sqlite";
import { WatchCache, cachedText } from "./cache";

const P = "/registry/core/configmaps/";
let store: SqliteStore;
let cache: WatchCache;

afterEach(async () => {
  cache?.stop();
  await store?.close();
});

async function started(historyCapacity?: number): Promise<void> {
  store = new SqliteStore(":memory:");
  cache = new WatchCache(store, P, { historyCapacity });
  await store.create(`${P}a/one`, JSON.stringify({ metadata: { name: "one" }, v: 1 }));
  await cache.start();
}

const keys = (items: { key: string }[]) => items.map((i) => i.key);

describe("the watch cache", () => {
  it("holds each object as its JSON text with the resourceVersion in", async () => {
    await started();
    const two = await store.create(`${P}b/two`, JSON.stringify({ metadata: { name: "two" } }));
    const got = cache.get(`${P}b/two`)!;
    expect(JSON.parse(cachedText(got))).toEqual({ metadata: { name: "two", resourceVersion: String(two.modRevision) } });
    expect(cache.currentRevision).toBe(two.modRevision);
  });

  it("lists a namespace's keys in order, pages after a key and counts what remains", async () => {
    await started();
    for (const k of ["a/three", "a/two", "b/x", "a/zz"]) await store.create(P + k, JSON.stringify({ metadata: {} }));
    const all = cache.page(`${P}a/`, {})!;
    expect(keys(all.items)).toEqual(["a/one", "a/three", "a/two", "a/zz"].map((k) => P + k));
    const first = cache.page(`${P}a/`, { limit: 2, countRemaining: true })!;
    expect(keys(first.items)).toEqual([`${P}a/one`, `${P}a/three`]);
    expect(first.remaining).toBe(2);
    const rest = cache.page(`${P}a/`, { limit: 2, after: first.continueAfter, countRemaining: true })!;
    expect(keys(rest.items)).toEqual([`${P}a/two`, `${P}a/zz`]);
    expect(rest.continueAfter).toBeUndefined();
  });

  it("answers at an older revision: created objects gone, deleted and changed ones as they were", async () => {
    await started();
    await store.create(`${P}a/two`, JSON.stringify({ metadata: {}, v: 1 }));
    const at = await store.currentRevision();
    await store.create(`${P}a/new`, JSON.stringify({ metadata: {}, v: 1 }));
    await store.delete(`${P}a/one`);
    await store.update(`${P}a/two`, JSON.stringify({ metadata: {}, v: 2 }));
    const then = cache.page(P, { revision: at, countRemaining: true })!;
    expect(keys(then.items)).toEqual([`${P}a/one`, `${P}a/two`]);
    expect(then.items.map((o) => JSON.parse(cachedText(o)).v)).toEqual([1, 1]);
    const paged = cache.page(P, { revision: at, limit: 1, countRemaining: true })!;
    expect(paged.remaining).toBe(1);
    expect(keys(cache.page(P, {})!.items)).toEqual([`${P}a/new`, `${P}a/two`]);
  });

  it("forgets revisions its history no longer covers", async () => {
    await started(5);
    const at = await store.currentRevision();
    for (let i = 0; i < 3; i++) await store.create(`${P}a/n${i}`, JSON.stringify({ metadata: {} }));
    expect(cache.page(P, { revision: at })).toBeDefined();
    for (let i = 3; i < 8; i++) await store.create(`${P}a/n${i}`, JSON.stringify({ metadata: {} }));
    expect(cache.page(P, { revision: at })).toBeUndefined();
    expect(cache.oldestRevision).toBeGreaterThan(at);
    expect(cache.page(P, { revision: cache.oldestRevision })!.items.length).toBe(1 + 8 - 5);
  });

  it("stands at the store's revision when told nothing of its own changed", async () => {
    await started();
    await store.create("/registry/core/secrets/a/s", JSON.stringify({ metadata: {} }));
    const rev = await store.currentRevision();
    expect(cache.currentRevision).toBeLessThan(rev);
    const waiting = cache.waitFor(rev, 5_000);
    cache.progress(rev);
    expect(await waiting).toBe(true);
    expect(await cache.waitFor(rev + 1, 10)).toBe(false);
  });
});
