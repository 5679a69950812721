// The CronJob controller (after cronjob_controllerv2.go's syncCronJob): for one CronJob, reconcile
// status.active with the Jobs it owns, drop finished Jobs beyond the history limits, then, unless
// suspended, start the Job of the most recent scheduled time not yet run (one catch-up run after
// an outage, however many were missed) as concurrencyPolicy allows, and come back at the next
// scheduled time.
import type { CronJob, CronJobStatus, Job } from "../../../api/batch";
import { parseSchedule } from "../../../api/batch-schedule";
import type { ObjectReference } from "../../../api/core";
import { deepEqual } from "../../../api/define";
import { rfc3339 } from "../../../api/time";
import { isAlreadyExists, isConflict, keyOf, realClock, runController, WorkQueue, type ApiClient, type Clock, type EventRecorder, type Informer, type Result } from "../../../client";
import { ignoreNotFoundOrConflict } from "../errors";
import { controllerRef, controllerRefTo } from "../owner";
import type { ControllerRunOptions } from "../run-options";
import { cronJobsResource, finishedCondition, jobsResource, newCronJobInformer, newJobInformer } from "../job/resources";
import { decideSchedule, jobNameFor, MAX_MISSED } from "./schedule";

export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Kubernetes requeues a little after the next scheduled time, so that it has passed. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobControllerOptions {
  client: ApiClient;
  /** The caches; by default the controller's own, which run() starts and waits for. */
  jobInformer?: Informer<Job>;
  cronJobInformer?: Informer<CronJob>;
  recorder?: EventRecorder;
  clock?: Clock;
}

const cronOwner = (cj: CronJob) => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: cj.metadata });
const refTo = (job: Job): ObjectReference => ({ kind: "Job", namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: "batch/v1", resourceVersion: job.metadata.resourceVersion });
const startOf = (j: Job) => Date.parse(j.status?.startTime ?? j.metadata.creationTimestamp ?? "") || 0;

export class CronJobController {
  readonly queue: WorkQueue;
  readonly jobInformer: Informer<Job>;
  readonly cronJobInformer: Informer<CronJob>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly owned: Array<Informer<Job> | Informer<CronJob>> = [];

  constructor(private readonly opts: CronJobControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.queue = new WorkQueue({ name: "cronjob", clock: this.clock });
    this.jobInformer = opts.jobInformer ?? newJobInformer(opts.client);
    this.cronJobInformer = opts.cronJobInformer ?? newCronJobInformer(opts.client);
    if (!opts.jobInformer) this.owned.push(this.jobInformer);
    if (!opts.cronJobInformer) this.owned.push(this.cronJobInformer);
    this.cronJobInformer.addEventHandler({
      onAdd: (cj) => this.queue.add(keyOf(cj)),
      onUpdate: (_o, cj) => this.queue.add(keyOf(cj)),
      onDelete: (cj) => this.queue.add(keyOf(cj)),
    });
    const jobChanged = (job: Job) => {
      const ref = controllerRef(job);
      if (ref?.kind === "CronJob") this.queue.add(`${job.metadata.namespace}/${ref.name}`);
    };
    this.jobInformer.addEventHandler({ onAdd: jobChanged, onUpdate: (_o, j) => jobChanged(j), onDelete: jobChanged });
  }

  async run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    for (const inf of this.owned) inf.start(signal);
    for (const inf of this.owned) await inf.waitForSync(signal);
    return runController({ name: "cronjob", queue: this.queue, workers: opts.workers ?? 4, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const cj = this.cronJobInformer.get(key);
    if (!cj) return;
    const jobs = this.jobInformer.byIndex("owner", cj.metadata.uid ?? "").filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
    const status = this.reconcileActive(cj, jobs);
    let result: Result | void = undefined;
    if (!cj.metadata.deletionTimestamp) {
      await this.cleanupHistory(cj, jobs);
      result = await this.runSchedule(cj, jobs, status);
    }
    if (!deepEqual(cj.status ?? {}, status)) await this.writeStatus(cj, status);
    return result;
  }

  /** status.active holds the running Jobs it owns; lastSuccessfulTime the newest completion. */
  private reconcileActive(cj: CronJob, jobs: Job[]): CronJobStatus {
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    const byUid = new Map(jobs.map((j) => [j.metadata.uid, j]));
    const active: ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const job = byUid.get(ref.uid);
      if (!job) continue;
      const finished = finishedCondition(job);
      if (!finished) active.push(ref);
      else this.opts.recorder?.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
    }
    for (const job of jobs) {
      if (!finishedCondition(job) && !active.some((r) => r.uid === job.metadata.uid)) active.push(refTo(job));
      const done = job.status?.completionTime;
      if (finishedCondition(job) === "Complete" && done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
    }
    if (active.length) status.active = active;
    else delete status.active;
    return status;
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  private async cleanupHistory(cj: CronJob, jobs: Job[]): Promise<void> {
    for (const [kind, limit] of [["Complete", cj.spec.successfulJobsHistoryLimit ?? 3], ["Failed", cj.spec.failedJobsHistoryLimit ?? 1]] as const) {
      const finished = jobs.filter((j) => finishedCondition(j) === kind && !j.metadata.deletionTimestamp).sort((a, b) => startOf(a) - startOf(b));
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) await this.deleteJob(cj, job);
    }
  }

  private async deleteJob(cj: CronJob, job: Job): Promise<void> {
    await this.client.delete(jobsResource, job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } }).catch(ignoreNotFoundOrConflict);
    this.opts.recorder?.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
  }

  /** Starts the due Job if the policy allows; the requeue for the next scheduled time. */
  private async runSchedule(cj: CronJob, jobs: Job[], status: CronJobStatus): Promise<Result | void> {
    if (cj.spec.suspend) return;
    const schedule = parseSchedule(cj.spec.schedule, cj.spec.timeZone);
    if (typeof schedule === "string") {
      this.opts.recorder?.event(cj, "Warning", cj.spec.timeZone && schedule.startsWith("unknown time zone") ? "UnknownTimeZone" : "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${schedule}`);
      return;
    }
    const now = this.clock.now();
    const d = decideSchedule(cj, schedule, now);
    const requeue = d.next === undefined ? undefined : { requeueAfter: d.next - now + NEXT_SCHEDULE_DELTA_MS };
    if (d.scheduled === undefined) return requeue;
    if (d.missed > MAX_MISSED) {
      this.opts.recorder?.event(cj, "Warning", "TooManyMissedTimes", `too many missed start times: ${d.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const deadline = cj.spec.startingDeadlineSeconds;
    if (deadline !== undefined && d.scheduled + deadline * 1000 < now) {
      this.opts.recorder?.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc3339(d.scheduled)}`);
      return requeue;
    }
    const name = jobNameFor(cj, d.scheduled);
    if (jobs.some((j) => j.metadata.name === name) || (status.active ?? []).some((r) => r.name === name)) return requeue;
    const active = status.active ?? [];
    if (cj.spec.concurrencyPolicy === "Forbid" && active.length > 0) {
      this.opts.recorder?.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return requeue;
    }
    if (cj.spec.concurrencyPolicy === "Replace") {
      for (const ref of active) {
        const job = jobs.find((j) => j.metadata.uid === ref.uid);
        if (job) await this.deleteJob(cj, job);
      }
      status.active = [];
    }
    const created = await this.createJob(cj, name, d.scheduled);
    status.active = [...(status.active ?? []), refTo(created)];
    status.lastScheduleTime = rfc3339(d.scheduled);
    return requeue;
  }

  private async createJob(cj: CronJob, name: string, scheduled: number): Promise<Job> {
    const template = cj.spec.jobTemplate;
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations, [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
        ownerReferences: [controllerRefTo(cronOwner(cj))],
      },
      spec: structuredClone(template.spec),
    } as unknown as Job;
    try {
      const out = await this.client.create<Job>(jobsResource, cj.metadata.namespace, job);
      this.opts.recorder?.event(cj, "Normal", "SuccessfulCreate", `Created job ${name}`);
      return out;
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Created by an earlier sync whose status write was lost.
        const existing = await this.client.get<Job>(jobsResource, cj.metadata.namespace, name);
        if (controllerRef(existing)?.uid === cj.metadata.uid) return existing;
      }
      this.opts.recorder?.event(cj, "Warning", "FailedCreate", `Error creating job: ${(err as Error).message}`);
      throw err;
    }
  }

  private async writeStatus(cj: CronJob, status: CronJobStatus): Promise<void> {
    try {
      await this.client.updateStatus(cronJobsResource, cj.metadata.namespace, { ...cj, status });
    } catch (err) {
      if (isConflict(err)) this.queue.add(keyOf(cj));
      else ignoreNotFoundOrConflict(err);
    }
  }
}
