// When a CronJob should run, pure (after mostRecentScheduleTime in Kubernetes'
// pkg/controller/cronjob/utils.go): the most recent scheduled time not yet run, how many were
// missed since the last run (or creation), within startingDeadlineSeconds; and the next one.
import type { CronJob } from "../../../api/batch";
import type { Schedule } from "../../../api/batch-schedule";

/** Beyond this many missed start times Kubernetes warns (TooManyMissedTimes). */
export const MAX_MISSED = 100;

export interface ScheduleDecision {
  /** The most recent scheduled time at or before now that has not been run, if any. */
  scheduled?: number;
  /** How many scheduled times were missed since the earliest time considered (capped at MAX_MISSED + 1). */
  missed: number;
  /** The first scheduled time after now. */
  next?: number;
}

export function decideSchedule(cj: CronJob, schedule: Schedule, now: number): ScheduleDecision {
  const last = cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp;
  let earliest = last ? Date.parse(last) : now;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, now - deadline * 1000);
  const next = schedule.next(now);
  let missed = 0;
  for (let t = schedule.next(earliest); t !== undefined && t <= now && missed <= MAX_MISSED; t = schedule.next(t)) missed++;
  if (missed === 0) return { missed, next };
  // The most recent one directly: after a long outage there may be millions in between.
  const scheduled = schedule.prev(now);
  return { scheduled, missed, next };
}

/** Kubernetes' Job name for a scheduled time: `<cronjob>-<minutes since the epoch>`. */
export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
}
