// The scheduling queue (Kubernetes' pkg/scheduler/internal/queue/scheduling_queue.go), in three parts:
// - activeQ: pods to try now, in order (the scheduler's WorkQueue, which also dedupes keys);
// - backoffQ: pods waiting out their backoff after a failed attempt (1 s doubling per attempt up
//   to 10 s) before they go back to activeQ;
// - unschedulablePods: pods no node fits. A cluster event moves a parked pod only when a plugin
//   that rejected it registered that event and its queueing hint says the event may help
//   (cluster-events.ts); the move goes through backoffQ while the pod's backoff lasts. A pod no
//   event moves is tried again after maxInUnschedulableMs (5 min), through activeQ's timed add.
//   A pod no plugin rejected (no nodes at all) is not parked: it goes to backoffQ (Kubernetes'
//   determineSchedulingHintForInFlightPod).
import type { Pod } from "../../api/core";
import { realClock, type Clock, type TimerHandle, type WorkQueue } from "../../client";
import type { QueueingHints } from "./cluster-events";
import type { ClusterEvent } from "./types";

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

export interface SchedulingQueueOptions {
  /** The activeQ: workers take pods from it. */
  activeQ: WorkQueue;
  hints: QueueingHints;
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

interface Parked {
  pod: Pod;
  /** The plugins that rejected the pod in its last attempt. */
  rejectedBy: ReadonlySet<string>;
}

interface Attempts {
  count: number;
  /** When the last attempt began (clock ms). */
  at: number;
}

export class SchedulingQueue {
  private readonly activeQ: WorkQueue;
  private readonly clock: Clock;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly attempts = new Map<string, Attempts>();
  private readonly unschedulable = new Map<string, Parked>();
  private readonly backoffQ = new Map<string, TimerHandle>();

  constructor(private readonly opts: SchedulingQueueOptions) {
    this.activeQ = opts.activeQ;
    this.clock = opts.clock ?? realClock;
    this.initialMs = opts.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxMs = opts.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
  }

  /** A pod that needs scheduling was added. */
  add(key: string): void {
    if (this.unschedulable.has(key) || this.backoffQ.has(key)) return;
    this.activeQ.add(key);
  }

  /** A pending pod's spec or labels changed: a parked one is tried again (after its backoff). */
  update(key: string): void {
    if (this.unschedulable.delete(key)) this.requeue(key);
    else this.add(key);
  }

  /** An attempt for the pod begins (Kubernetes counts attempts at Pop). */
  popped(key: string): void {
    const a = this.attempts.get(key);
    this.attempts.set(key, { count: (a?.count ?? 0) + 1, at: this.clock.now() });
    this.unschedulable.delete(key);
    this.backoffQ.get(key)?.cancel();
    this.backoffQ.delete(key);
  }

  /** No node fits: park the pod until an event one of rejectedBy registered may help it. */
  parkUnschedulable(key: string, pod: Pod, rejectedBy: ReadonlySet<string>): void {
    this.unschedulable.set(key, { pod, rejectedBy });
  }

  /** The attempt failed for another reason (binding rejected): try again after the pod's backoff. */
  retryAfterBackoff(key: string): void {
    this.unschedulable.delete(key);
    this.requeue(key);
  }

  /** The pod was bound, deleted or is no longer ours: drop what the queue knows about it. */
  forget(key: string): void {
    this.attempts.delete(key);
    this.unschedulable.delete(key);
    this.backoffQ.get(key)?.cancel();
    this.backoffQ.delete(key);
  }

  /** Something changed in the cluster: move the parked pods it may help. Returns how many moved. */
  onClusterEvent(event: ClusterEvent, oldObj: unknown, newObj: unknown): number {
    let moved = 0;
    for (const [key, parked] of this.unschedulable) {
      if (!this.opts.hints.mayHelp(parked.pod, parked.rejectedBy, event, oldObj, newObj)) continue;
      this.unschedulable.delete(key);
      this.requeue(key);
      moved++;
    }
    return moved;
  }

  /** The pod's backoff after its attempts so far: 1 s, 2 s, 4 s, 8 s, then 10 s (Kubernetes' calculateBackoffDuration). */
  backoffDuration(key: string): number {
    const count = this.attempts.get(key)?.count ?? 0;
    if (count <= 0) return 0;
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(count - 1, 30));
  }

  isParked(key: string): boolean {
    return this.unschedulable.has(key);
  }

  /** For scheduler_pending_pods. */
  pending(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.len(), backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  close(): void {
    for (const t of this.backoffQ.values()) t.cancel();
    this.backoffQ.clear();
  }

  /** To activeQ, or to backoffQ while the pod's backoff since its last attempt lasts. */
  private requeue(key: string): void {
    const a = this.attempts.get(key);
    const remaining = a ? a.at + this.backoffDuration(key) - this.clock.now() : 0;
    if (remaining <= 0) {
      this.activeQ.add(key);
      return;
    }
    if (this.backoffQ.has(key)) return;
    this.backoffQ.set(
      key,
      this.clock.after(remaining, () => {
        this.backoffQ.delete(key);
        this.activeQ.add(key);
      }),
    );
  }
}
