// Tables of the batch kinds as Kubernetes 1.32 prints them (printJob, printCronJob in
// pkg/printers/internalversion): a Job's STATUS, COMPLETIONS and DURATION; a CronJob's schedule,
// time zone, suspend flag, active count and last schedule.
import type { CronJob, Job } from "../batch";
import { formatLabelSelector } from "../meta";
import { age, ageCol, col, containerCells, containersCol, imagesCol, nameCol, wide, type Printer } from "./columns";
import { humanDuration, timestampSince } from "./duration";

const isTrue = (job: Job, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** The STATUS column: the terminal condition, Terminating, Suspended, the 1.32 interim conditions, else Running. */
export function jobStatus(job: Job): string {
  if (isTrue(job, "Complete")) return "Complete";
  if (isTrue(job, "Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (isTrue(job, "Suspended")) return "Suspended";
  if (isTrue(job, "FailureTarget")) return "FailureTarget";
  if (isTrue(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return "";
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

export const batchPrinters: Record<string, Printer> = {
  jobs: {
    columns: [
      nameCol,
      col("Status", "string", "Status of the job."),
      col("Completions", "string", "The completion status of the job."),
      col("Duration", "string", "Time required to complete the job."),
      ageCol,
      containersCol,
      imagesCol,
      col("Selector", "string", "Selector is a label query over pods that should match the pod count.", wide),
    ],
    cells(o, now) {
      const job = o as Job;
      return [job.metadata.name, jobStatus(job), completions(job), duration(job, now), age(job, now), ...containerCells(job.spec.template), formatLabelSelector(job.spec.selector)];
    },
  },
  cronjobs: {
    columns: [
      nameCol,
      col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
      col("TimeZone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
      col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions."),
      col("Active", "integer", "A list of pointers to currently running jobs."),
      col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
      ageCol,
      containersCol,
      imagesCol,
      col("Selector", "string", "Selector is a label query over pods that should match the pod count.", wide),
    ],
    cells(o, now) {
      const cj = o as CronJob;
      const last = cj.status?.lastScheduleTime ? timestampSince(cj.status.lastScheduleTime, now) : "<none>";
      return [cj.metadata.name, cj.spec.schedule, cj.spec.timeZone ?? "<none>", cj.spec.suspend === undefined ? "<unset>" : cj.spec.suspend ? "True" : "False", (cj.status?.active ?? []).length, last, age(cj, now), ...containerCells(cj.spec.jobTemplate.spec?.template), formatLabelSelector(cj.spec.jobTemplate.spec?.selector)];
    },
  },
};
