// What a server writes at start on a store other servers share (an HA cluster starting all at
// once) meets their writes: a create finds the object made, an update a newer resourceVersion.
// As kube-apiserver's ensure loops do, such a step is tried again from a fresh read.
import { ApiError } from "../errors";

/** client-go's retry.DefaultBackoff, one step longer: 10 ms growing fivefold, 10 % jitter. */
const BACKOFF_MS = [10, 50, 250, 1250];

/** A write that lost a race with another server: AlreadyExists, Conflict, or NotFound (deleted meanwhile). */
export function lostRace(e: unknown): boolean {
  return e instanceof ApiError && (e.reason === "AlreadyExists" || e.reason === "Conflict" || e.reason === "NotFound");
}

/** Runs step (which reads, then writes) again while it loses a race, up to BACKOFF_MS.length more times. */
export async function retryLostRace<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!lostRace(e) || attempt >= BACKOFF_MS.length) throw e;
      const wait = BACKOFF_MS[attempt]! * (1 + Math.random() * 0.1);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
