import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";
import { SqliteStore } from "../storage/sqlite";
import { NamespaceCache } from "./namespace-cache";

const dir = mkdtempSync(join(tmpdir(), "kubelab-nscache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (n: string) => `/registry/core/namespaces/${n}`;

describe("NamespaceCache on SQLite", () => {
  it("answers as the store does after every acknowledged write, from memory once synced", async () => {
    const store = new SqliteStore(join(dir, "a.db"));
    await store.create(key("default"), '{"metadata":{"name":"default"}}');
    const cache = new NamespaceCache(store, "/registry/core/namespaces/");
    expect((await cache.get(key("default")))?.value).toContain("default");
    // The first lookup started the sync; afterwards no lookup reads the store.
    const reads = { n: 0 };
    const get = store.get.bind(store);
    store.get = (k) => {
      reads.n++;
      return get(k);
    };
    await eventually(async () => {
      reads.n = 0;
      return (await cache.get(key("default"))) !== undefined && (await cache.get(key("x"))) === undefined && reads.n === 0;
    }, 5_000, "a synced cache");
    const created = await store.create(key("x"), '{"metadata":{"name":"x"}}');
    expect(await cache.get(key("x"))).toEqual(created);
    const updated = await store.update(key("x"), '{"metadata":{"name":"x","deletionTimestamp":"2026-01-01T00:00:00Z"}}', created.modRevision);
    expect(await cache.get(key("x"))).toEqual(updated);
    await store.delete(key("x"));
    expect(await cache.get(key("x"))).toBeUndefined();
    // Writes of the same batch, each checked once acknowledged.
    await Promise.all(["p", "q", "r"].map(async (n) => {
      const written = await store.create(key(n), "{}");
      expect(await cache.get(key(n))).toEqual(written);
    }));
    expect(reads.n).toBe(0);
    cache.close();
    await store.close();
  });
});
