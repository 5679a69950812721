// The Job controller: runs a Job's pods to completion. sync(key) reads the Job from the cache,
// claims its pods, asks plan.ts what one step toward the spec is (create up to parallelism while
// completions remain, with exponential backoff after failures; delete pods when suspended,
// finished or over parallelism), does it, then writes status in one place. Expectations keep a
// sync on a stale pod cache from creating the same pods twice. As in Kubernetes, a sync reads only
// the Job's own pods and its namespace's orphans (pod-index.ts), and pod events and status-only
// Job updates are batched for SYNC_JOB_BATCH_PERIOD_MS (spec changes sync at once).
import type { Job, JobStatus } from "../../../api/batch";
import { JOB_COMPLETION_INDEX } from "../../../api/batch-rules";
import type { Pod } from "../../../api/core";
import { deepEqual } from "../../../api/define";
import { selectorMatches } from "../../../api/meta";
import {
  ignoreNotFound,
  isConflict,
  keyOf,
  pods as podsRes,
  realClock,
  runController,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { ControllerRefManager } from "../controller-ref-manager";
import { ignoreNotFoundOrConflict } from "../errors";
import { controllerRef, controllerRefTo } from "../owner";
import { isPodActive } from "../pods";
import { Expectations, slowStartBatch } from "../replicaset/expectations";
import type { ControllerRunOptions } from "../run-options";
import { planJob, type JobPlan } from "./plan";
import { addPodControllerUidIndex, claimCandidates } from "./pod-index";
import { finishedCondition, jobsResource, newJobInformer } from "./resources";

/** Kubernetes' DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const MAX_BACKOFF_MS = 6 * 60_000;
/** Kubernetes' --concurrent-job-syncs default. */
export const DEFAULT_JOB_WORKERS = 5;
/**
 * Kubernetes' syncJobBatchPeriod: a pod event, or a Job update that is not a spec change, syncs
 * the Job this long after the first one, so the burst of a pod's life (created, bound, Running,
 * Succeeded) and the Job's own status writes cost one sync, not one each.
 */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;

export interface JobControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  /** The Job cache; by default one of the controller's own, which run() starts and waits for. */
  jobInformer?: Informer<Job>;
  recorder?: EventRecorder;
  clock?: Clock;
  /** First pod backoff after a failure (doubling, capped at 6 min); injectable so tests are fast. */
  backoffBaseMs?: number;
}

const jobOwner = (job: Job) => ({ apiVersion: "batch/v1", kind: "Job", metadata: job.metadata });

export class JobController {
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  readonly jobInformer: Informer<Job>;
  private readonly client: ApiClient;
  private readonly podInformer: Informer<Pod>;
  private readonly clock: Clock;
  private readonly ownsInformer: boolean;

  constructor(private readonly opts: JobControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.queue = new WorkQueue({ name: "job", clock: this.clock });
    this.expectations = new Expectations(() => this.clock.now());
    this.ownsInformer = !opts.jobInformer;
    this.jobInformer = opts.jobInformer ?? newJobInformer(opts.client);
    this.podInformer = opts.informers.pods();
    addPodControllerUidIndex(this.podInformer);
    this.jobInformer.addEventHandler({
      onAdd: (j) => this.queue.add(keyOf(j)),
      onUpdate: (old, j) => (old.metadata.generation === j.metadata.generation ? this.queue.addAfter(keyOf(j), SYNC_JOB_BATCH_PERIOD_MS) : this.queue.add(keyOf(j))),
      onDelete: (j) => {
        this.expectations.delete(keyOf(j));
        this.queue.add(keyOf(j));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podEvent(p, "add"),
      onUpdate: (old, p) => {
        if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.podEvent(p, p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp ? "delete" : "update");
      },
      onDelete: (p) => this.podEvent(p, "delete"),
    });
  }

  async run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    if (this.ownsInformer) {
      this.jobInformer.start(signal);
      await this.jobInformer.waitForSync(signal);
    }
    return runController({ name: "job", queue: this.queue, workers: opts.workers ?? DEFAULT_JOB_WORKERS, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const job = this.jobInformer.get(key);
    if (!job) {
      this.expectations.delete(key);
      return;
    }
    if (finishedCondition(job) || job.metadata.deletionTimestamp) return;
    const pods = await this.claimPods(job);
    const plan = planJob(job, pods, { now: this.clock.now(), backoffBaseMs: this.opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS, backoffMaxMs: MAX_BACKOFF_MS });
    let stepError: unknown;
    if (this.expectations.satisfied(key)) {
      try {
        await this.act(key, job, plan);
      } catch (err) {
        stepError = err;
      }
    } else {
      plan.events = [];
    }
    for (const e of plan.events) this.opts.recorder?.event(job, e.type, e.reason, e.message);
    if (!deepEqual(job.status ?? {}, plan.status)) await this.writeStatus(job, plan.status);
    if (stepError) throw stepError;
    if (plan.requeueAfter !== undefined) return { requeueAfter: plan.requeueAfter };
  }

  private claimPods(job: Job): Promise<Pod[]> {
    const candidates = claimCandidates(this.podInformer, job);
    // Finished pods are claimed too: they are the Job's record of successes and failures.
    const manager = new ControllerRefManager<Pod>({ client: this.client, resource: podsRes, owner: jobOwner(job), selector: job.spec.selector ?? {}, adoptable: isPodActive });
    return manager.claim(candidates);
  }

  private async act(key: string, job: Job, plan: JobPlan): Promise<void> {
    if (plan.delete.length) {
      const uids = plan.delete.map((p) => p.metadata.uid!);
      this.expectations.expect(key, 0, uids);
      for (const pod of plan.delete) {
        try {
          await this.client.delete(podsRes, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
          this.opts.recorder?.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.lowerExpectations(key, 0, [pod.metadata.uid!]);
          ignoreNotFoundOrConflict(err);
        }
      }
    }
    const count = plan.create.length;
    if (count === 0) return;
    this.expectations.expect(key, count);
    const { done, error } = await slowStartBatch(count, 1, (i) => this.createPod(job, plan.create[i]));
    if (done < count) this.expectations.lowerExpectations(key, count - done);
    if (error) throw error;
  }

  private async createPod(job: Job, index: number | undefined): Promise<void> {
    const template = job.spec.template;
    const spec = structuredClone(template.spec!);
    const labels = { ...template.metadata?.labels };
    const annotations = { ...template.metadata?.annotations };
    if (index !== undefined) {
      labels[JOB_COMPLETION_INDEX] = String(index);
      annotations[JOB_COMPLETION_INDEX] = String(index);
      spec.hostname ??= `${job.metadata.name}-${index}`;
      const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) c.env = [...(c.env ?? []).filter((e) => e.name !== env.name), env];
    }
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`,
        namespace: job.metadata.namespace,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [controllerRefTo(jobOwner(job))],
      },
      spec,
    } as unknown as Pod;
    try {
      const created = await this.client.create<Pod>(podsRes, job.metadata.namespace, pod);
      this.opts.recorder?.event(job, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.opts.recorder?.event(job, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<void> {
    try {
      await this.client.updateStatus(jobsResource, job.metadata.namespace, { ...job, status });
    } catch (err) {
      // A stale Job: the informer brings the new one and the key is synced again from it.
      if (isConflict(err)) {
        this.queue.add(keyOf(job));
        return;
      }
      ignoreNotFound(err);
    }
  }

  private podEvent(pod: Pod, what: "add" | "update" | "delete"): void {
    const ref = controllerRef(pod);
    if (ref?.kind === "Job" && ref.apiVersion === "batch/v1") {
      const key = `${pod.metadata.namespace}/${ref.name}`;
      const job = this.jobInformer.get(key);
      if (!job || job.metadata.uid !== ref.uid) return;
      if (what === "add" && !pod.metadata.deletionTimestamp) this.expectations.creationObserved(key);
      if (what === "delete") this.expectations.deletionObserved(key, pod.metadata.uid ?? "");
      this.queue.addAfter(key, SYNC_JOB_BATCH_PERIOD_MS);
      return;
    }
    if (ref || what === "delete") return;
    for (const job of this.jobInformer.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (job.spec.selector && selectorMatches(job.spec.selector, pod.metadata.labels)) this.queue.addAfter(keyOf(job), SYNC_JOB_BATCH_PERIOD_MS);
    }
  }
}
