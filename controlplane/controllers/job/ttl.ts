// The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
// ttlSecondsAfterFinished is deleted that long after it finished (Foreground, so its pods go
// first), checked again against the API server's copy so a TTL changed meanwhile is honoured.
import type { Job } from "../../../api/batch";
import { isNotFound, keyOf, realClock, runController, WorkQueue, type ApiClient, type Clock, type Informer, type Result } from "../../../client";
import { ignoreNotFoundOrConflict } from "../errors";
import type { ControllerRunOptions } from "../run-options";
import { finishedCondition, jobsResource, newJobInformer } from "./resources";

/** When a finished Job with a TTL expires (ms), or undefined if it has none or has not finished. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  const finished = finishedCondition(job);
  if (ttl === undefined || !finished) return undefined;
  const cond = job.status?.conditions?.find((c) => c.type === finished);
  const at = Date.parse(job.status?.completionTime ?? cond?.lastTransitionTime ?? "");
  return Number.isNaN(at) ? undefined : at + ttl * 1000;
}

export class TTLAfterFinishedController {
  readonly queue: WorkQueue;
  readonly jobInformer: Informer<Job>;
  private readonly clock: Clock;
  private readonly ownsInformer: boolean;

  constructor(private readonly opts: { client: ApiClient; jobInformer?: Informer<Job>; clock?: Clock }) {
    this.clock = opts.clock ?? realClock;
    this.queue = new WorkQueue({ name: "ttl-after-finished", clock: this.clock });
    this.ownsInformer = !opts.jobInformer;
    this.jobInformer = opts.jobInformer ?? newJobInformer(opts.client);
    const enqueue = (j: Job) => {
      if (j.spec.ttlSecondsAfterFinished !== undefined && finishedCondition(j) && !j.metadata.deletionTimestamp) this.queue.add(keyOf(j));
    };
    this.jobInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, j) => enqueue(j) });
  }

  async run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    if (this.ownsInformer) {
      this.jobInformer.start(signal);
      await this.jobInformer.waitForSync(signal);
    }
    return runController({ name: "ttl-after-finished", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const cached = this.jobInformer.get(key);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const due = expiresAt(cached);
    if (due === undefined) return;
    if (due > this.clock.now()) return { requeueAfter: due - this.clock.now() };
    // The cache may be stale: decide again on the server's copy.
    let fresh: Job;
    try {
      fresh = await this.opts.client.get<Job>(jobsResource, cached.metadata.namespace, cached.metadata.name!);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshDue = expiresAt(fresh);
    if (freshDue === undefined) return;
    if (freshDue > this.clock.now()) return { requeueAfter: freshDue - this.clock.now() };
    await this.opts.client.delete(jobsResource, fresh.metadata.namespace, fresh.metadata.name!, { propagationPolicy: "Foreground", preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } }).catch(ignoreNotFoundOrConflict);
  }
}
