// The elector against the recording fake client and a fake clock: who may take the Lease and when,
// as judged on the candidate's own clock; a leader that cannot renew, or whose clock jumped (a
// paused process), stops before its lease can expire for others and writes nothing more.
import { describe, expect, it } from "vitest";
import type { Lease } from "../api/coordination";
import { leases } from "./resources";
import { FakeClock } from "./clock";
import { ConnectionError } from "./errors";
import { FakeClient } from "./fake";
import { LeaderElector, nextLeaseSpec, validateLeaderElectionTimes, type LeaderElectionConfig } from "./leaderelection";

const NS = "kube-system";
const NAME = "kube-scheduler";

/** A clock that can also jump, as a process sees it after SIGSTOP/SIGCONT: no timer ran meanwhile. */
class PausableClock extends FakeClock {
  jump(ms: number): void {
    (this as unknown as { current: number }).current += ms;
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** Advances time in steps, letting the elector's promises settle in between. */
async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

function candidate(client: FakeClient, clock: FakeClock, identity: string, extra: Partial<LeaderElectionConfig> = {}) {
  const events: string[] = [];
  let term: AbortSignal | undefined;
  const elector = new LeaderElector({
    client, clock, identity, namespace: NS, name: NAME,
    leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500, random: () => 0,
    onStartedLeading: (s) => { term = s; events.push("started"); },
    onStoppedLeading: () => events.push("stopped"),
    ...extra,
  });
  const ctrl = new AbortController();
  const done = elector.run(ctrl.signal);
  return { elector, events, ctrl, done, term: () => term };
}

const lease = (c: FakeClient) => c.object<Lease>(leases, NS, NAME);

describe("LeaderElector", () => {
  it("creates the Lease with Kubernetes' fields and leads", async () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const client = new FakeClient();
    const a = candidate(client, clock, "a");
    await flush();
    expect(a.events).toEqual(["started"]);
    expect(a.elector.isLeader()).toBe(true);
    expect(lease(client)?.spec).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 3, leaseTransitions: 0, acquireTime: "2026-01-01T00:00:00.000000Z", renewTime: "2026-01-01T00:00:00.000000Z" });
    await advance(clock, 1000);
    expect(lease(client)?.spec).toMatchObject({ acquireTime: "2026-01-01T00:00:00.000000Z", renewTime: "2026-01-01T00:00:01.000000Z" });
    a.ctrl.abort();
    await a.done;
  });

  it("takes over a silent holder only after leaseDuration on its own clock, whatever the holder's timestamps say", async () => {
    const clock = new FakeClock(1_000_000);
    const old = "2000-01-01T00:00:00.000000Z";
    const client = new FakeClient({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: NAME, namespace: NS }, spec: { holderIdentity: "dead", leaseDurationSeconds: 3, renewTime: old, acquireTime: old, leaseTransitions: 4 } } as Lease);
    const b = candidate(client, clock, "b");
    await advance(clock, 2900);
    expect(b.events).toEqual([]);
    expect(client.writes()).toEqual([]);
    await advance(clock, 700);
    expect(b.events).toEqual(["started"]);
    expect(lease(client)?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 5 });
    b.ctrl.abort();
    await b.done;
  });

  it("exactly one of two candidates leads; the other takes over at once when the leader releases", async () => {
    const clock = new FakeClock(0);
    const client = new FakeClient();
    const a = candidate(client, clock, "a");
    const b = candidate(client, clock, "b");
    await advance(clock, 5000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, other] = a.elector.isLeader() ? [a, b] : [b, a];
    leader.ctrl.abort();
    await leader.done;
    expect(leader.term()?.aborted).toBe(true);
    expect(lease(client)?.spec?.holderIdentity).toBe("");
    await advance(clock, 1200);
    expect(other.elector.isLeader()).toBe(true);
    expect(lease(client)?.spec?.leaseTransitions).toBe(1);
    other.ctrl.abort();
    await other.done;
  });

  it("a leader that cannot renew stops at renewDeadline, before the lease expires, and campaigns again", async () => {
    const clock = new FakeClock(0);
    const client = new FakeClient();
    const a = candidate(client, clock, "a");
    await flush();
    client.prependReactor("update", "leases", () => ({ error: new ConnectionError("connection refused", "network") }));
    const cut = clock.now();
    let stoppedAt = -1;
    while (stoppedAt < 0 && clock.now() - cut < 4000) {
      await advance(clock, 50, 50);
      if (a.term()?.aborted) stoppedAt = clock.now() - cut;
    }
    expect(a.events).toEqual(["started", "stopped"]);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(3000);
    a.ctrl.abort();
    await a.done;
  });

  it("after a clock jump past renewDeadline (SIGSTOP) it stops before any write and leads again only after re-acquiring", async () => {
    const clock = new PausableClock(0);
    const client = new FakeClient();
    const a = candidate(client, clock, "a");
    await advance(clock, 1000);
    const term = a.term()!;
    // Meanwhile another server took the expired lease.
    const held = lease(client)!;
    client.tracker.update(leases, NS, { ...held, spec: { ...held.spec, holderIdentity: "b", leaseTransitions: 1 } });
    client.clearActions();
    clock.jump(5000);
    expect(a.elector.isLeader()).toBe(false);
    expect(term.aborted).toBe(true);
    expect(a.events).toEqual(["started", "stopped"]);
    await advance(clock, 2000);
    expect(client.writes()).toEqual([]);
    expect(a.elector.isLeader()).toBe(false);
    // b goes silent: a takes the lease after leaseDuration of seeing no change.
    await advance(clock, 2000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["started", "stopped", "started"]);
    expect(lease(client)?.spec).toMatchObject({ holderIdentity: "a", leaseTransitions: 2 });
    a.ctrl.abort();
    await a.done;
  });

  it("rejects durations client-go rejects", () => {
    expect(validateLeaderElectionTimes(15000, 10000, 2000)).toBeUndefined();
    expect(validateLeaderElectionTimes(3000, 3000, 500)).toMatch(/greater than renew deadline/);
    expect(validateLeaderElectionTimes(3000, 1000, 1000)).toMatch(/retry period/);
    expect(validateLeaderElectionTimes(0, 1000, 100)).toMatch(/greater than zero/);
    expect(() => new LeaderElector({ client: new FakeClient(), namespace: NS, name: NAME, identity: "x", leaseDurationMs: 1000, renewDeadlineMs: 2000, onStartedLeading: () => {} })).toThrow(/renew deadline/);
  });

  it("nextLeaseSpec keeps acquireTime and transitions for the holder, counts a change of holder", () => {
    const mine = { holderIdentity: "a", acquireTime: "t0", renewTime: "t0", leaseTransitions: 2, leaseDurationSeconds: 3 };
    expect(nextLeaseSpec(mine, 0, 1000, "a", 3000)).toMatchObject({ acquireTime: "t0", leaseTransitions: 2 });
    expect(nextLeaseSpec(mine, 0, 1000, "b", 3000)).toBeUndefined();
    expect(nextLeaseSpec(mine, 0, 3001, "b", 3000)).toMatchObject({ holderIdentity: "b", leaseTransitions: 3 });
    expect(nextLeaseSpec({ ...mine, holderIdentity: "" }, 0, 1, "b", 3000)).toMatchObject({ holderIdentity: "b" });
  });
});
