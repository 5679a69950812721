// Repair of the allocation bitmaps against a real SQLite store: bitmaps rebuilt from the Services
// (a store that never had them), a leaked bit freed only after it was seen unheld three times.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../../api/core";
import { SqliteStore } from "../../storage/sqlite";
import { AllocatorRepair } from "./repair";
import { BitmapServiceAllocator } from "./service-addresses";

const logger = pino({ level: "silent" });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(services: Service[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-repair-"));
  const store = new SqliteStore(join(dir, "state.db"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  const allocator = new BitmapServiceAllocator(store, { logger });
  const repair = new AllocatorRepair(allocator, { listServices: async () => services, logger });
  return { store, allocator, repair };
}

const svc = (name: string, spec: Service["spec"]): Service => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec });
const request = (spec: Service["spec"]) => svc("new", spec);

describe("allocator repair", () => {
  it("rebuilds the bitmaps from Services stored before there were bitmaps", async () => {
    const { allocator, repair } = setup([
      svc("old", { type: "NodePort", clusterIP: "10.96.7.7", clusterIPs: ["10.96.7.7"], ports: [{ port: 80, nodePort: 30777 }] }),
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("elsewhere", { clusterIP: "192.168.0.1", ports: [{ port: 80 }] }),
    ]);
    await repair.runOnce();
    await expect(allocator.allocate(request({ clusterIP: "10.96.7.7", ports: [{ port: 80 }] }), { updating: false })).rejects.toMatchObject({ code: 422 });
    await expect(allocator.allocate(request({ type: "NodePort", ports: [{ port: 80, nodePort: 30777 }] }), { updating: false })).rejects.toMatchObject({ code: 422 });
    expect((await allocator.ips.snapshot()).bitmap.count()).toBe(1);
  });

  it("frees a bit no Service holds only on the third repair in a row that sees it", async () => {
    const { allocator, repair } = setup();
    const leaked = request({ clusterIP: "10.96.8.8", ports: [{ port: 80 }] });
    await allocator.allocate(leaked, { updating: false }); // committed; the Service write never came
    const again = () => allocator.allocate(request({ clusterIP: "10.96.8.8", ports: [{ port: 80 }] }), { updating: false });
    await repair.runOnce();
    await repair.runOnce();
    await expect(again()).rejects.toMatchObject({ code: 422 });
    await repair.runOnce();
    await expect(again()).resolves.toBeDefined();
  });

  it("starts over when an allocation lands between its read and its write", async () => {
    const { allocator, repair, store } = setup();
    const racing = new AllocatorRepair(allocator, {
      logger,
      // The list runs after the snapshot: a create committed right then must survive the repair.
      listServices: async () => {
        await allocator.allocate(request({ clusterIP: "10.96.9.9", ports: [{ port: 80 }] }), { updating: false }).catch(() => undefined);
        return [];
      },
    });
    await repair.runOnce();
    const before = await store.currentRevision();
    await racing.runOnce();
    expect(await store.currentRevision()).toBeGreaterThan(before);
    expect((await allocator.ips.snapshot()).bitmap.has(allocator.ipRange.offsetOf("10.96.9.9")!)).toBe(true);
  });
});
