// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does. Contract:
// - A candidate takes the Lease when it does not exist, when its holder is empty (released), or
//   when the record has not changed for leaseDuration on OUR clock (the time we last saw it change,
//   never the holder's timestamps: clocks of different machines do not agree).
// - Every write carries the resourceVersion read before it, so two candidates cannot both win.
// - A leader renews every retryPeriod. If renewDeadline passes (on its own clock) since the start
//   of its last successful renew, it stops leading at once: aborts the term's signal and calls
//   onStoppedLeading, before others may judge the lease expired (renewDeadline < leaseDuration).
//   isLeader() applies the same rule at the moment it is asked, so a process that was paused
//   (SIGSTOP) and woke past its deadline is no leader even before any timer of ours has run.
// - After losing, it campaigns again; it only leads again after re-acquiring the Lease.
// - On cancel it releases the Lease (holder empty) so a successor takes over without waiting.
import type { Lease, LeaseSpec } from "../api/coordination";
import { rfc3339Micro } from "../api/time";
import { leases } from "./resources";
import { ApiStatusError } from "./errors";
import { realClock, sleep, type Clock, type TimerHandle } from "./clock";
import type { ApiClient } from "./rest";

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** client-go's JitterFactor: acquire retries wait retryPeriod to retryPeriod * 2.2. */
const JITTER_FACTOR = 1.2;

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface LeaderElectionConfig {
  client: ApiClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Set holder empty when run()'s signal aborts while leading (default true). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Called when a term starts; signal aborts when the term ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called once per term, after its signal aborted. */
  onStoppedLeading?(): void;
  /** The holder changed (as observed; "" when released). */
  onNewLeader?(identity: string): void;
}

/** What is wrong with the durations, or undefined (client-go's NewLeaderElector checks). */
export function validateLeaderElectionTimes(leaseMs: number, renewMs: number, retryMs: number): string | undefined {
  if (!(leaseMs > 0 && renewMs > 0 && retryMs > 0)) return "lease duration, renew deadline and retry period must be greater than zero";
  if (leaseMs <= renewMs) return "lease duration must be greater than renew deadline";
  if (renewMs <= JITTER_FACTOR * retryMs) return `renew deadline must be greater than retry period * ${JITTER_FACTOR}`;
  return undefined;
}

/** metav1.MicroTime: RFC 3339 with six fraction digits (api/time.ts is the one definition). */
export const microTime = (ms: number): string => rfc3339Micro(ms);

/**
 * The spec to write to take or keep the Lease, or undefined when another holder's lease is still
 * valid. Pure: the caller says when it last saw the record change (observedAt, its own clock).
 */
export function nextLeaseSpec(current: LeaseSpec | undefined, observedAt: number, now: number, identity: string, leaseDurationMs: number): LeaseSpec | undefined {
  const holder = current?.holderIdentity ?? "";
  if (holder && holder !== identity && observedAt + leaseDurationMs > now) return undefined;
  const mine = holder === identity;
  return {
    ...current,
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
    acquireTime: mine && current?.acquireTime ? current.acquireTime : microTime(now),
    renewTime: microTime(now),
    leaseTransitions: mine ? (current?.leaseTransitions ?? 0) : (current?.leaseTransitions ?? 0) + (current ? 1 : 0),
  };
}

/** Wall time that never steps back (NTP adjustments would stretch a term): the monotonic clock from process start. */
const monotonicClock: Clock = { now: () => performance.timeOrigin + performance.now(), after: realClock.after };

const sameRecord = (a: LeaseSpec | undefined, b: LeaseSpec | undefined) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

export class LeaderElector {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private observed?: Lease;
  private observedAt = 0;
  private lastRenew = 0;
  private term?: { ctrl: AbortController; deadline?: TimerHandle };

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.leaseDurationMs = cfg.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = cfg.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = cfg.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    const bad = validateLeaderElectionTimes(this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
    if (bad) throw new Error(`leader election ${cfg.namespace}/${cfg.name}: ${bad}`);
    this.clock = cfg.clock ?? monotonicClock;
  }

  /** Leading now: in a term, and the last renew started at most renewDeadline ago on our clock. */
  isLeader(): boolean {
    if (!this.term) return false;
    if (this.clock.now() - this.lastRenew <= this.renewDeadlineMs) return true;
    this.stopLeading("renew deadline passed");
    return false;
  }

  /** The holder as last observed ("" when none). */
  getLeader(): string {
    return this.observed?.spec?.holderIdentity ?? "";
  }

  /** Campaigns, leads, campaigns again after a lost term, until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.acquire(signal))) break;
      this.startTerm();
      await this.renewLoop(signal);
      if (signal.aborted && this.term && this.cfg.releaseOnCancel !== false) await this.release();
      this.stopLeading(signal.aborted ? "stopped" : "lost the lease");
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(this.retryPeriodMs)) return true;
      const wait = this.retryPeriodMs * (1 + (this.cfg.random ?? Math.random)() * JITTER_FACTOR);
      if (!(await sleep(this.clock, wait, signal).then(() => true, () => false))) return false;
    }
    return false;
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.isLeader()) {
      if (!(await sleep(this.clock, this.retryPeriodMs, signal).then(() => true, () => false))) return;
      // After a pause (SIGSTOP) the deadline may be gone already: then no further write as leader.
      if (!this.isLeader()) return;
      const left = this.renewDeadlineMs - (this.clock.now() - this.lastRenew);
      if (await this.tryAcquireOrRenew(Math.max(1, left))) this.armDeadline();
      // Someone else holds it now (we were too slow): no reason to wait for the deadline.
      else if (this.getLeader() !== this.cfg.identity) return;
    }
  }

  /** One get, then a create or an update with the read resourceVersion; true when we hold it. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const { client, namespace, name, identity } = this.cfg;
    const started = this.clock.now();
    try {
      let lease: Lease | undefined;
      try {
        lease = await client.get<Lease>(leases, namespace, name, { timeoutMs });
      } catch (e) {
        if (!(e instanceof ApiStatusError && e.code === 404)) throw e;
      }
      if (lease && !sameRecord(lease.spec, this.observed?.spec)) this.observe(lease, this.clock.now());
      const spec = nextLeaseSpec(lease?.spec, this.observedAt, this.clock.now(), identity, this.leaseDurationMs);
      if (!spec) return false;
      const body: Lease = lease
        ? { ...lease, spec }
        : { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec };
      const written = lease ? await client.update<Lease>(leases, namespace, body, { timeoutMs }) : await client.create<Lease>(leases, namespace, body, { timeoutMs });
      this.observe(written, this.clock.now());
      this.lastRenew = started;
      return true;
    } catch (e) {
      // Conflict: someone else wrote first; the next round reads their record.
      this.cfg.logger?.warn({ lease: `${namespace}/${name}`, err: (e as Error).message }, "leader election: acquire or renew failed");
      return false;
    }
  }

  private observe(lease: Lease, at: number): void {
    const before = this.getLeader();
    this.observed = lease;
    this.observedAt = at;
    const after = this.getLeader();
    if (after !== before) this.cfg.onNewLeader?.(after);
  }

  private startTerm(): void {
    this.term = { ctrl: new AbortController() };
    this.armDeadline();
    this.cfg.logger?.info({ lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity }, "leader election: started leading");
    this.cfg.onStartedLeading(this.term.ctrl.signal);
  }

  /** Ends the term exactly at the deadline even while a renew request hangs. */
  private armDeadline(): void {
    if (!this.term) return;
    this.term.deadline?.cancel();
    const left = this.renewDeadlineMs - (this.clock.now() - this.lastRenew);
    this.term.deadline = this.clock.after(left + 1, () => void this.isLeader());
  }

  private stopLeading(why: string): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    term.deadline?.cancel();
    term.ctrl.abort(new Error(`leader election: ${why}`));
    this.cfg.logger?.info({ lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity, why }, "leader election: stopped leading");
    this.cfg.onStoppedLeading?.();
  }

  /** Holder empty, lease 1 s: a successor acquires at once (client-go's ReleaseOnCancel). */
  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease?.spec || lease.spec.holderIdentity !== this.cfg.identity || !this.isLeader()) return;
    const now = microTime(this.clock.now());
    const spec: LeaseSpec = { leaseTransitions: lease.spec.leaseTransitions, leaseDurationSeconds: 1, acquireTime: now, renewTime: now, holderIdentity: "" };
    try {
      this.observe(await this.cfg.client.update<Lease>(leases, this.cfg.namespace, { ...lease, spec }, { timeoutMs: this.renewDeadlineMs }), this.clock.now());
    } catch (e) {
      this.cfg.logger?.warn({ lease: `${this.cfg.namespace}/${this.cfg.name}`, err: (e as Error).message }, "leader election: release failed");
    }
  }
}
