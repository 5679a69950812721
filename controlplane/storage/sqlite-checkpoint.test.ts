import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { eventually } from "../../test/fixtures/wait";
import { SqliteStore } from "./sqlite";

const dirs: string[] = [];
function freshFile(): string {
  const d = mkdtempSync(join(tmpdir(), "kubelab-sqlite-ckpt-"));
  dirs.push(d);
  return join(d, "state.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SqliteStore checkpoints", () => {
  it("moves committed writes from the WAL into the database file without a commit doing it", async () => {
    const file = freshFile();
    const s = new SqliteStore(file);
    const before = statSync(file).size;
    // About 1 MB: fewer WAL pages than SQLite's own automatic checkpoint waits for (1,000).
    const value = "x".repeat(4000);
    await Promise.all(Array.from({ length: 250 }, (_, i) => s.create(`/registry/core/configmaps/default/c${i}`, value)));
    await eventually(() => statSync(file).size > before + 1_000_000, { timeoutMs: 30_000, what: "the database file to take the writes" });
    // Another connection reads every write from the file (the WAL holds nothing it still needs).
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM objects").get()).toEqual({ n: 250 });
    db.close();
    await s.close();
  });

  it("closes cleanly: the WAL is checkpointed and removed, and the store opens again with every write", async () => {
    const file = freshFile();
    const s = new SqliteStore(file);
    const a = await s.create("/k/a", "1");
    await s.update("/k/a", "2", a.modRevision);
    await s.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = new SqliteStore(file);
    expect((await again.get("/k/a"))?.value).toBe("2");
    expect(await again.currentRevision()).toBe(2);
    await again.close();
  });
});
