import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "./sqlite";
import { StoreCompactedError } from "./store";

const P = "/registry/core/configmaps/ns/";
let store: SqliteStore;
afterEach(async () => {
  await store?.close();
});

describe("the SQLite store listed at an older revision", () => {
  it("shows every key as it was then: changed ones with their old value and revision, deleted ones back, newer ones absent", async () => {
    store = new SqliteStore(":memory:");
    const a = await store.create(`${P}a`, "a1");
    const b = await store.create(`${P}b`, "b1");
    const c = await store.create(`${P}c`, "c1");
    await store.create("/registry/core/secrets/ns/x", "x");
    const at = await store.currentRevision();
    await store.update(`${P}b`, "b2");
    await store.delete(`${P}c`);
    await store.create(`${P}d`, "d1");
    await store.update(`${P}b`, "b3");
    const then = await store.list(P, { revision: at });
    expect(then.revision).toBe(at);
    expect(then.items).toEqual([a, b, c]);
    const first = await store.list(P, { revision: at, limit: 2 });
    expect(first.items.map((i) => i.key)).toEqual([`${P}a`, `${P}b`]);
    expect(first.remaining).toBe(1);
    const rest = await store.list(P, { revision: at, limit: 2, continueAfter: first.continueKey });
    expect(rest.items).toEqual([c]);
    expect(rest.continueKey).toBeUndefined();
    expect((await store.list(P)).items.map((i) => i.value)).toEqual(["a1", "b3", "d1"]);
  });

  it("is StoreCompactedError below the compacted revision, or when a changed key's older value was compacted", async () => {
    store = new SqliteStore(":memory:");
    await store.create(`${P}a`, "a1");
    const at = await store.currentRevision();
    await store.create(`${P}b`, "b1");
    const later = await store.currentRevision();
    await store.compact(at);
    await expect(store.list(P, { revision: at - 1 })).rejects.toBeInstanceOf(StoreCompactedError);
    expect((await store.list(P, { revision: at })).items.map((i) => i.value)).toEqual(["a1"]);
    // a's value at `later` was written at a compacted revision: the snapshot cannot be exact.
    await store.update(`${P}a`, "a2");
    await expect(store.list(P, { revision: later })).rejects.toBeInstanceOf(StoreCompactedError);
  });
});
