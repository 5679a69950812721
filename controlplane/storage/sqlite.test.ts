import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";
import Database from "better-sqlite3";
import { SqliteStore } from "./sqlite";
import { StoreCompactedError, StoreConflictError, type WatchEvent } from "./store";

const dirs: string[] = [];
function freshFile(): string {
  const d = mkdtempSync(join(tmpdir(), "kubelab-sqlite-"));
  dirs.push(d);
  return join(d, "state.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SqliteStore", () => {
  it("gives every write the next global revision and keeps create revisions", async () => {
    const s = new SqliteStore(freshFile());
    const a = await s.create("/registry/core/pods/default/a", '{"n":1}');
    const b = await s.create("/registry/core/pods/default/b", '{"n":2}');
    const a2 = await s.update("/registry/core/pods/default/a", '{"n":3}', a.modRevision);
    expect([a.modRevision, b.modRevision, a2.modRevision]).toEqual([1, 2, 3]);
    expect(a2.createRevision).toBe(1);
    expect(await s.currentRevision()).toBe(3);
    await s.close();
  });

  it("refuses a create of an existing key and an update at a stale revision, changing nothing", async () => {
    const s = new SqliteStore(freshFile());
    const a = await s.create("/k/a", "1");
    await expect(s.create("/k/a", "2")).rejects.toBeInstanceOf(StoreConflictError);
    await s.update("/k/a", "3", a.modRevision);
    await expect(s.update("/k/a", "4", a.modRevision)).rejects.toMatchObject({ reason: "revision" });
    expect((await s.get("/k/a"))?.value).toBe("3");
    await expect(s.delete("/k/missing")).rejects.toMatchObject({ reason: "notfound" });
    await s.close();
  });

  it("lists by prefix in key order, in pages that continue where they stopped", async () => {
    const s = new SqliteStore(freshFile());
    for (const n of ["c", "a", "b", "d"]) await s.create(`/registry/core/pods/ns1/${n}`, n);
    await s.create("/registry/core/pods/ns2/x", "x");
    const all = await s.list("/registry/core/pods/ns1/");
    expect(all.items.map((i) => i.value)).toEqual(["a", "b", "c", "d"]);
    const p1 = await s.list("/registry/core/pods/ns1/", { limit: 3 });
    expect(p1.items.map((i) => i.value)).toEqual(["a", "b", "c"]);
    expect(p1.remaining).toBe(1);
    const p2 = await s.list("/registry/core/pods/ns1/", { limit: 3, continueAfter: p1.continueKey });
    expect(p2.items.map((i) => i.value)).toEqual(["d"]);
    expect(p2.continueKey).toBeUndefined();
    await s.close();
  });

  it("keeps every acknowledged write across a reopen", async () => {
    const file = freshFile();
    const s = new SqliteStore(file);
    for (let i = 0; i < 50; i++) await s.create(`/k/${i}`, String(i));
    await s.delete("/k/7");
    await s.close();
    const again = new SqliteStore(file);
    expect((await again.list("/k/")).items).toHaveLength(49);
    expect(await again.currentRevision()).toBe(51);
    await again.close();
  });

  it("replays history from a revision, then streams live events, in order", async () => {
    const s = new SqliteStore(freshFile());
    const a = await s.create("/p/a", "1");
    await s.update("/p/a", "2", a.modRevision);
    await s.create("/q/other", "x");
    const events: WatchEvent[] = [];
    const w = s.watch("/p/", a.modRevision, (ev) => events.push(ev));
    await s.delete("/p/a");
    await eventually(() => events.length >= 2, 5_000, "the replayed and the live event");
    expect(events.map((e) => [e.type, e.value, e.revision])).toEqual([
      ["PUT", "2", 2],
      ["DELETE", "2", 4],
    ]);
    w.close();
    await s.close();
  });

  it("answers a watch from a compacted revision with StoreCompactedError", async () => {
    const s = new SqliteStore(freshFile());
    for (let i = 0; i < 10; i++) await s.create(`/k/${i}`, "v");
    await s.compact(5);
    expect(() => s.watch("/k/", 3, () => {})).toThrow(StoreCompactedError);
    const events: WatchEvent[] = [];
    const w = s.watch("/k/", 5, (e) => events.push(e));
    await eventually(() => events.length >= 5, 5_000, "the history after the compacted revision");
    expect(events.map((e) => e.revision)).toEqual([6, 7, 8, 9, 10]);
    w.close();
    await s.close();
  });
});

describe("SqliteStore file layout", () => {
  it("opens a store written with the older WITHOUT ROWID objects table, keeping every object and revision", async () => {
    const file = freshFile();
    const old = new Database(file);
    old.pragma("journal_mode = WAL");
    old.exec(`
      CREATE TABLE objects (key TEXT PRIMARY KEY, value TEXT NOT NULL, mod_revision INTEGER NOT NULL, create_revision INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, prev_value TEXT, created INTEGER NOT NULL);
      INSERT INTO objects VALUES ('/k/a', '{"n":1}', 1, 1), ('/k/b', '{"n":2}', 2, 2);
      INSERT INTO log VALUES (1, '/k/a', 'PUT', '{"n":1}', NULL, 1), (2, '/k/b', 'PUT', '{"n":2}', NULL, 1);
    `);
    old.close();
    const s = new SqliteStore(file);
    expect(await s.get("/k/a")).toEqual({ key: "/k/a", value: '{"n":1}', modRevision: 1, createRevision: 1 });
    expect((await s.list("/k/")).items.map((i) => i.key)).toEqual(["/k/a", "/k/b"]);
    await expect(s.create("/k/a", "{}")).rejects.toBeInstanceOf(StoreConflictError);
    const b = await s.update("/k/b", '{"n":3}', 2);
    expect(b).toMatchObject({ modRevision: 3, createRevision: 2 });
    await s.close();
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'objects'").get()!.sql).not.toMatch(/WITHOUT ROWID/i);
    reader.close();
    const again = new SqliteStore(file);
    expect((await again.get("/k/b"))?.value).toBe('{"n":3}');
    await again.close();
  });
});

describe("SqliteStore group commit", () => {
  it("acknowledges concurrent writes only once another connection can read them, in revision order", async () => {
    const file = freshFile();
    const s = new SqliteStore(file);
    const reader = new Database(file, { readonly: true });
    const row = reader.prepare<[string], { mod_revision: number }>("SELECT mod_revision FROM objects WHERE key = ?");
    const seen: number[] = [];
    const writes = Array.from({ length: 20 }, (_, i) =>
      s.create(`/k/${i}`, String(i)).then((v) => {
        expect(row.get(`/k/${i}`)?.mod_revision).toBe(v.modRevision);
        seen.push(v.modRevision);
      }),
    );
    await Promise.all(writes);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    reader.close();
    await s.close();
  });

  it("decides a write to a key with a queued write after that one commits", async () => {
    const s = new SqliteStore(freshFile());
    const a = await s.create("/k/a", "1");
    const [first, second, created, removed] = await Promise.allSettled([
      s.update("/k/a", "2", a.modRevision),
      s.update("/k/a", "3", a.modRevision),
      s.create("/k/b", "x"),
      s.delete("/k/b"),
    ]);
    expect(first).toMatchObject({ status: "fulfilled", value: { value: "2" } });
    // The conflict names the committed value it lost to.
    expect(second).toMatchObject({ status: "rejected", reason: { reason: "revision", current: { value: "2" } } });
    expect(created.status).toBe("fulfilled");
    expect(removed).toMatchObject({ status: "fulfilled", value: { value: "x" } });
    expect((await s.get("/k/a"))?.value).toBe("2");
    expect(await s.get("/k/b")).toBeUndefined();
    await s.close();
  });

  it("streams each write to watchers once, in revision order, after it commits", async () => {
    const s = new SqliteStore(freshFile());
    const events: WatchEvent[] = [];
    const committedAtEvent: (number | undefined)[] = [];
    const w = s.watch("/k/", 0, (ev) => {
      events.push(ev);
      void s.currentRevision().then((r) => committedAtEvent.push(r >= ev.revision ? ev.revision : undefined));
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.create(`/k/${i}`, String(i))));
    await eventually(() => committedAtEvent.length === 10, 5_000, "ten events");
    expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(committedAtEvent).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    w.close();
    await s.close();
  });

  it("refuses every write of a batch that cannot commit, and gives its revisions out again", async () => {
    const s = new SqliteStore(freshFile());
    const events: WatchEvent[] = [];
    const w = s.watch("/k/", 0, (ev) => events.push(ev));
    // A value SQLite refuses (NOT NULL) makes the batch's transaction fail.
    const [good, bad] = await Promise.allSettled([s.create("/k/a", "1"), s.create("/k/b", null as unknown as string)]);
    expect(good.status).toBe("rejected");
    expect(bad.status).toBe("rejected");
    expect(await s.get("/k/a")).toBeUndefined();
    expect(await s.currentRevision()).toBe(0);
    expect((await s.create("/k/c", "3")).modRevision).toBe(1);
    expect(events.map((e) => e.key)).toEqual(["/k/c"]);
    w.close();
    await s.close();
  });
});
