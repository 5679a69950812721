// A CronJob's schedule: the standard five-field cron syntax and the @descriptors that Kubernetes'
// parser (robfig/cron's ParseStandard) accepts, in the CronJob's time zone, through cron-parser.
// One definition for validation (a 422 with the parser's reason) and the CronJob controller.
import { CronExpressionParser } from "cron-parser";

export interface Schedule {
  /** The first scheduled time strictly after `after` (ms since the epoch), or undefined if none. */
  next(after: number): number | undefined;
  /** The last scheduled time at or before `atOrBefore`, or undefined if none. */
  prev(atOrBefore: number): number | undefined;
}

const descriptors: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Is `name` a time zone of the tz database ("Local" is refused, as Kubernetes does)? */
export function validTimeZone(name: string): boolean {
  if (name === "" || name === "Local" || name.trim() !== name) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The schedule, or the reason it is not one (as text for a field error). */
export function parseSchedule(schedule: string, timeZone?: string): Schedule | string {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
  const expr = descriptors[text] ?? text;
  if (expr.startsWith("@")) return `unrecognized descriptor: ${text}`;
  const fields = expr.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${text}`;
  if (timeZone !== undefined && !validTimeZone(timeZone)) return `unknown time zone ${timeZone}`;
  const tz = timeZone ?? "UTC";
  try {
    // Parsing once checks every field; next() is computed from a fresh parse at each time asked.
    CronExpressionParser.parse(expr, { tz, currentDate: new Date(0) }).next();
  } catch (err) {
    return (err as Error).message;
  }
  return {
    next(after: number) {
      try {
        return CronExpressionParser.parse(expr, { tz, currentDate: new Date(after) }).next().getTime();
      } catch {
        return undefined;
      }
    },
    prev(atOrBefore: number) {
      try {
        return CronExpressionParser.parse(expr, { tz, currentDate: new Date(atOrBefore + 1) }).prev().getTime();
      } catch {
        return undefined;
      }
    },
  };
}
