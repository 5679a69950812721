import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";
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
