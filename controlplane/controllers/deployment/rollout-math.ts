// The numbers of a rolling update, as Kubernetes computes them: maxSurge rounds up and
// maxUnavailable rounds down from the desired replicas (both 0 is turned into 1 unavailable);
// how far the new ReplicaSet may grow and the old ones must shrink in one step.
import type { IntOrString } from "../../../api/quantity";
import { scaledValue } from "../../../api/quantity";

const DEFAULT_MAX_SURGE = "25%";
const DEFAULT_MAX_UNAVAILABLE = "25%";

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): Fenceposts {
  const surge = scaledValue(maxSurge ?? DEFAULT_MAX_SURGE, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, desired) };
}

/** Replicas the new ReplicaSet should have now during a rolling update. */
export function newReplicaSetReplicas(args: { desired: number; maxSurge: number; newReplicas: number; totalReplicas: number }): number {
  const { desired, maxSurge, newReplicas, totalReplicas } = args;
  const maxTotal = desired + maxSurge;
  if (totalReplicas >= maxTotal) return newReplicas;
  const scaleUp = Math.min(maxTotal - totalReplicas, desired - newReplicas);
  return newReplicas + Math.max(0, scaleUp);
}

/**
 * How many old pods may go now: all pods minus the minimum that must stay available minus the new
 * ReplicaSet's pods that are not available yet (they may never become so).
 */
export function maxScaledDown(args: { totalReplicas: number; desired: number; maxUnavailable: number; newReplicas: number; newAvailable: number }): number {
  const minAvailable = args.desired - args.maxUnavailable;
  const newUnavailable = args.newReplicas - args.newAvailable;
  return Math.max(0, args.totalReplicas - minAvailable - newUnavailable);
}

/** Old ReplicaSets' scale-down targets, oldest first, removing at most `budget` replicas. */
export function scaleDownOldest<T extends { replicas: number }>(oldest: T[], budget: number): Array<{ rs: T; replicas: number }> {
  const out: Array<{ rs: T; replicas: number }> = [];
  let left = budget;
  for (const rs of oldest) {
    if (left <= 0) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, left);
    out.push({ rs, replicas: rs.replicas - down });
    left -= down;
  }
  return out;
}

/**
 * Proportional scaling while several ReplicaSets are active and the Deployment was scaled: the
 * difference between the allowed total (desired + maxSurge) and what exists is shared out in
 * proportion to each ReplicaSet's size, leftovers going to the largest (the newest on ties).
 */
export function proportionalScale(sizes: number[], allowedTotal: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const diff = allowedTotal - total;
  if (diff === 0 || total === 0) return [...sizes];
  const out = sizes.map((s) => s);
  let distributed = 0;
  for (let i = 0; i < sizes.length; i++) {
    const share = Math.trunc((sizes[i]! * diff) / total);
    const next = Math.max(0, sizes[i]! + share);
    distributed += next - sizes[i]!;
    out[i] = next;
  }
  let leftover = diff - distributed;
  // Hand the rest to the largest ReplicaSet (index order as tie breaker: callers pass newest first).
  let largest = 0;
  for (let i = 1; i < out.length; i++) if (out[i]! > out[largest]!) largest = i;
  if (leftover !== 0) {
    const next = Math.max(0, out[largest]! + leftover);
    leftover -= next - out[largest]!;
    out[largest] = next;
  }
  return out;
}
