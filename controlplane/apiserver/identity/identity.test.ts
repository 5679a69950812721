// The lease endpoint reconciler's master leases on a real store (SQLite), with a clock of the
// test's own: a live server is listed, one that stopped renewing drops out and its key goes; the
// identity Lease's naming and expiry as kube-apiserver's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../storage/sqlite";
import { expiredIdentityLeases, identityLeaseName } from "./lease";
import { MASTER_LEASES_PREFIX, masterLeases } from "./master-leases";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function store(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-identity-"));
  const s = new SqliteStore(join(dir, "state.db"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => s.close());
  return s;
}

describe("master leases", () => {
  it("list every server that renewed within the TTL, and drop and delete the others", async () => {
    const s = store();
    let now = 1_000_000;
    const a = masterLeases(s, { ip: "127.0.10.1", port: 6443 }, 15_000, () => now);
    const b = masterLeases(s, { ip: "127.0.10.2", port: 6443 }, 15_000, () => now);
    await a.peers();
    expect((await b.peers()).endpoints).toEqual([{ ip: "127.0.10.1", port: 6443 }, { ip: "127.0.10.2", port: 6443 }]);
    now += 16_000; // a stopped renewing (died); b reconciles
    expect(await b.peers()).toEqual({ endpoints: [{ ip: "127.0.10.2", port: 6443 }], authoritative: true });
    expect((await s.list(MASTER_LEASES_PREFIX)).items.map((i) => i.key)).toEqual([`${MASTER_LEASES_PREFIX}127.0.10.2:6443`]);
    await b.remove();
    expect((await s.list(MASTER_LEASES_PREFIX)).items).toEqual([]);
  });
});

describe("identity leases", () => {
  it("are named apiserver-<26 base32 characters>, one per host and address", () => {
    const name = identityLeaseName("vm", "127.0.10.1:6443");
    expect(name).toMatch(/^apiserver-[a-z2-7]{26}$/);
    expect(identityLeaseName("vm", "127.0.10.1:6443")).toBe(name);
    expect(identityLeaseName("vm", "127.0.10.2:6443")).not.toBe(name);
  });

  it("expire renewTime + leaseDurationSeconds later, and only those with the identity label", () => {
    const lease = (name: string, renewTime: string, identity = true) => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, labels: (identity ? { "apiserver.kubernetes.io/identity": "kube-apiserver" } : {}) as Record<string, string> },
      spec: { renewTime, leaseDurationSeconds: 30 },
    });
    const now = Date.parse("2026-12-02T04:00:00Z");
    const leases = [lease("fresh", "2026-12-02T03:59:40.000000Z"), lease("stale", "2026-12-02T03:59:00.000000Z"), lease("kube-scheduler", "2026-12-02T03:00:00.000000Z", false)];
    expect(expiredIdentityLeases(leases, now)).toEqual(["stale"]);
  });
});
