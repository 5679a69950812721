import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEtcd, type Etcd } from "../../test/fixtures/etcd";
import { consistently, eventually } from "../../test/fixtures/wait";
import { EtcdStore } from "./etcd";
import { StoreCompactedError, StoreConflictError, type WatchEvent } from "./store";

let etcd: Etcd | undefined;
const stores: EtcdStore[] = [];
let prefixSeq = 0;

beforeAll(async () => {
  etcd = await startEtcd();
}, 30_000);

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

afterAll(async () => {
  await etcd?.destroy();
});

function open(): EtcdStore {
  const s = new EtcdStore({ endpoints: [etcd!.endpoint] });
  stores.push(s);
  return s;
}

/** A fresh key prefix per test: the tests share one etcd. */
const fresh = () => `/t${++prefixSeq}/`;

const until = (what: string, cond: () => boolean, ms = 10_000) => eventually(cond, { timeoutMs: ms, intervalMs: 10, what });

describe("EtcdStore on a real etcd", () => {
  it("gives every write etcd's next revision and keeps create revisions", async () => {
    const s = open();
    const p = fresh();
    const a = await s.create(`${p}a`, '{"n":1}');
    const b = await s.create(`${p}b`, '{"n":2}');
    const a2 = await s.update(`${p}a`, '{"n":3}', a.modRevision);
    expect(b.modRevision).toBe(a.modRevision + 1);
    expect(a2.modRevision).toBe(a.modRevision + 2);
    expect(a2.createRevision).toBe(a.modRevision);
    expect(await s.currentRevision()).toBe(a2.modRevision);
    expect(await s.get(`${p}a`)).toEqual({ key: `${p}a`, value: '{"n":3}', modRevision: a2.modRevision, createRevision: a.modRevision });
    expect(await s.get(`${p}missing`)).toBeUndefined();
  });

  it("refuses a create of an existing key and a write at a stale revision, changing nothing", async () => {
    const s = open();
    const p = fresh();
    const a = await s.create(`${p}a`, "1");
    const exists = await s.create(`${p}a`, "2").catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(StoreConflictError);
    expect(exists).toMatchObject({ reason: "exists", current: { value: "1" } });
    await s.update(`${p}a`, "3", a.modRevision);
    await expect(s.update(`${p}a`, "4", a.modRevision)).rejects.toMatchObject({ reason: "revision", current: { value: "3" } });
    await expect(s.delete(`${p}a`, a.modRevision)).rejects.toMatchObject({ reason: "revision" });
    expect((await s.get(`${p}a`))?.value).toBe("3");
    await expect(s.update(`${p}missing`, "x")).rejects.toMatchObject({ reason: "notfound" });
    await expect(s.delete(`${p}missing`)).rejects.toMatchObject({ reason: "notfound" });
    const unconditional = await s.update(`${p}a`, "5");
    expect(unconditional.value).toBe("5");
    const deleted = await s.delete(`${p}a`, unconditional.modRevision);
    expect(deleted.value).toBe("5");
    expect(deleted.modRevision).toBe(unconditional.modRevision + 1);
    expect(await s.get(`${p}a`)).toBeUndefined();
  });

  it("lists by prefix in key order, in pages that continue where they stopped", async () => {
    const s = open();
    const p = fresh();
    for (const n of ["c", "a", "b", "d"]) await s.create(`${p}ns1/${n}`, n);
    await s.create(`${p}ns2/x`, "x");
    await s.create(`${p}ns10/y`, "y");
    const all = await s.list(`${p}ns1/`);
    expect(all.items.map((i) => i.value)).toEqual(["a", "b", "c", "d"]);
    expect(all.revision).toBe(await s.currentRevision());
    expect(all.continueKey).toBeUndefined();
    const p1 = await s.list(`${p}ns1/`, { limit: 3 });
    expect(p1.items.map((i) => i.value)).toEqual(["a", "b", "c"]);
    expect(p1.remaining).toBe(1);
    const p2 = await s.list(`${p}ns1/`, { limit: 3, continueAfter: p1.continueKey });
    expect(p2.items.map((i) => i.value)).toEqual(["d"]);
    expect(p2.continueKey).toBeUndefined();
    expect((await s.list(p)).items).toHaveLength(6);
  });

  it("replays history from a revision with previous values, then streams live events, in order", async () => {
    const s = open();
    const p = fresh();
    const a = await s.create(`${p}a`, "1");
    await s.update(`${p}a`, "2", a.modRevision);
    await s.create(`/other${p}x`, "x");
    const events: WatchEvent[] = [];
    const w = s.watch(p, a.modRevision, (ev) => events.push(ev));
    const del = await s.delete(`${p}a`);
    await s.create(`${p}b`, "b");
    await until("3 events", () => events.length >= 3);
    expect(events.map((e) => [e.type, e.key, e.value, e.prevValue, e.created])).toEqual([
      ["PUT", `${p}a`, "2", "1", false],
      ["DELETE", `${p}a`, "2", "2", false],
      ["PUT", `${p}b`, "b", undefined, true],
    ]);
    expect(events[1]!.revision).toBe(del.modRevision);
    w.close();
    await s.create(`${p}c`, "c");
    await consistently(() => events.length === 3, 300, "no events after the watch closed", 20);
  });

  it("answers a watch from a compacted revision with StoreCompactedError", async () => {
    const s = open();
    const p = fresh();
    const first = await s.create(`${p}0`, "v");
    for (let i = 1; i < 10; i++) await s.create(`${p}${i}`, "v");
    const mid = first.modRevision + 5;
    await s.compact(mid);
    expect(await s.compactedRevision()).toBe(mid);
    expect(() => s.watch(p, first.modRevision, () => {})).toThrow(StoreCompactedError);
    const events: WatchEvent[] = [];
    const w = s.watch(p, mid, (e) => events.push(e));
    await until("4 events", () => events.length >= 4);
    expect(events.map((e) => e.revision - first.modRevision)).toEqual([6, 7, 8, 9]);
    w.close();
  });

  it("learns of a compaction done by another server and ends the watch with StoreCompactedError", async () => {
    const mine = open();
    const other = open();
    const p = fresh();
    const a = await mine.create(`${p}a`, "1");
    await mine.update(`${p}a`, "2");
    await other.compact(await other.currentRevision());
    // mine has not heard of it yet: the watch starts, then etcd refuses it.
    const errors: Error[] = [];
    const w = mine.watch(p, a.modRevision - 1, () => {}, (err) => errors.push(err));
    await until("the compaction error", () => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(StoreCompactedError);
    expect(await mine.compactedRevision()).toBe(await other.currentRevision());
    w.close();
  });

  it("keeps a watch going across an etcd restart, missing nothing", async () => {
    const s = open();
    const p = fresh();
    const start = await s.currentRevision();
    const events: WatchEvent[] = [];
    const w = s.watch(p, start, (ev) => events.push(ev));
    await s.create(`${p}before`, "1");
    await until("first event", () => events.length >= 1);
    await etcd!.stop();
    await etcd!.start();
    await s.create(`${p}after`, "2");
    await until("event after restart", () => events.length >= 2, 20_000);
    expect(events.map((e) => e.key)).toEqual([`${p}before`, `${p}after`]);
    w.close();
  }, 40_000);
});
