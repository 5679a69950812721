// The bitmap against a model, and two StoredRanges (two API servers) on one real SQLite store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../storage/sqlite";
import { AllocationBitmap } from "./bitmap";
import { StoredRange } from "./range-store";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("allocation bitmap against a set", () => {
  it("agrees with a Set of taken items under any sequence of allocate, allocateNext and release", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("allocate" as const), i: fc.integer({ min: -2, max: 40 }) }),
      fc.record({ kind: fc.constant("next" as const), r: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
      fc.record({ kind: fc.constant("release" as const), i: fc.integer({ min: 0, max: 37 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 37 }), fc.array(op, { maxLength: 120 }), (size, ops) => {
        const b = new AllocationBitmap(size);
        const model = new Set<number>();
        for (const o of ops) {
          if (o.kind === "allocate") {
            const ok = o.i >= 0 && o.i < size && !model.has(o.i);
            expect(b.allocate(o.i)).toBe(ok);
            if (ok) model.add(o.i);
          } else if (o.kind === "next") {
            const got = b.allocateNext(5, () => o.r);
            if (model.size === size) expect(got).toBeUndefined();
            else {
              expect(got !== undefined && !model.has(got) && got < size).toBe(true);
              model.add(got!);
            }
          } else {
            b.release(o.i);
            model.delete(o.i);
          }
        }
        const round = AllocationBitmap.fromBase64(size, b.toBase64());
        expect([...round.allocated()]).toEqual([...model].sort((x, y) => x - y));
        expect(round.count()).toBe(model.size);
      }),
    );
  });
});

describe("stored range", () => {
  it("never hands the same item to two ranges on one store, however their changes interleave", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-range-"));
    const store = new SqliteStore(join(dir, "state.db"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
    const [a, b] = [new StoredRange(store, "/registry/ranges/test", "0-99", 100), new StoredRange(store, "/registry/ranges/test", "0-99", 100)];
    const next = (r: StoredRange) => r.change((bitmap) => bitmap.allocateNext(0));
    const got = await Promise.all(Array.from({ length: 100 }, (_, i) => next(i % 2 ? a : b)));
    expect(new Set(got).size).toBe(100);
    await expect(next(a)).resolves.toBeUndefined();
    expect((await b.snapshot()).bitmap.count()).toBe(100);
    // A stored value of another range or unreadable text counts as empty (repair refills it).
    await store.update("/registry/ranges/test", "not json");
    expect((await a.snapshot()).bitmap.count()).toBe(0);
  });
});
