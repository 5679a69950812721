// The git-sync controller: an informer on GitRepositories feeds a work queue; sync(key) runs one
// reconcile (reconcile.ts). Keys are queued on spec or annotation changes, by the webhook
// (trigger), and again after each run's interval (+ jitter). A burst of pushes collapses into one
// run on the newest SHA because a key is queued at most once.
import { setMaxListeners } from "node:events";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import type { GitRepository } from "../../api/gitops";
import { EventRecorder, Informer, WorkQueue, stripManagedFields, gitrepositories, runController, splitKey, type ApiClient, type Result, type SyncContext } from "../../client";
import { dependentsOf } from "./depends";
import { impersonatingClients, type ClientFor } from "./identity";
import { RestMapper } from "./mapper";
import { Notifier } from "./notify";
import { gitSyncMetrics, type GitSyncMetrics } from "./metrics";
import { Reconciler, type ReconcileResult } from "./reconcile";

export interface GitSyncControllerOptions {
  client: ApiClient;
  cacheDir: string;
  logger?: Logger;
  /** Concurrent GitRepositories (default 4, as Flux's kustomize-controller --concurrent). */
  workers?: number;
  gitTimeoutMs?: number;
  healthPollMs?: number;
  /** The process's registry: git-sync's, the controller's and the work queue's metrics go there. */
  metrics?: Registry;
  /** The ServiceAccount a GitRepository without spec.serviceAccountName acts as (default "default"). */
  defaultServiceAccount?: string;
  /** Called after each reconcile (tests and benchmarks wait on it). */
  onReconciled?: (key: string, result: ReconcileResult, durationMs: number) => void;
}

export class GitSyncController {
  readonly queue = new WorkQueue({ name: "gitrepositories" });
  readonly informer: Informer<GitRepository>;
  readonly recorder: EventRecorder;
  private readonly reconciler: Reconciler;
  private readonly logger: Logger;
  private readonly metrics: GitSyncMetrics;
  private readonly notifier: Notifier;
  /** Each repository's ServiceAccount, impersonated: what it reads and writes for that repository. */
  readonly clientFor: ClientFor;

  constructor(private readonly opts: GitSyncControllerOptions) {
    this.clientFor = impersonatingClients(opts.client, opts.defaultServiceAccount);
    this.logger = (opts.logger ?? pino({ level: "silent" })).child({ component: "gitsync" });
    this.informer = new Informer<GitRepository>({ client: opts.client, resource: gitrepositories, logger: this.logger, transform: stripManagedFields });
    this.recorder = new EventRecorder({ client: opts.client, component: "gitsync-controller", logger: this.logger });
    this.metrics = gitSyncMetrics(opts.metrics);
    this.notifier = new Notifier({ client: opts.client, clientFor: this.clientFor, logger: this.logger, metrics: opts.metrics });
    this.reconciler = new Reconciler({
      client: opts.client,
      mapper: new RestMapper(opts.client),
      recorder: this.recorder,
      cacheDir: opts.cacheDir,
      gitTimeoutMs: opts.gitTimeoutMs,
      healthPollMs: opts.healthPollMs,
      metrics: this.metrics,
      lookup: (namespace, name) => this.informer.get(`${namespace}/${name}`),
      notifier: this.notifier,
      clientFor: this.clientFor,
    });
    this.informer.addEventHandler({
      onAdd: (repo) => this.enqueue(repo),
      onUpdate: (oldRepo, newRepo) => {
        // Our own status writes do not change generation or annotations: no loop.
        if (oldRepo.metadata.generation !== newRepo.metadata.generation || JSON.stringify(oldRepo.metadata.annotations ?? {}) !== JSON.stringify(newRepo.metadata.annotations ?? {})) {
          this.enqueue(newRepo);
        }
        // A status change may be what a repository depending on this one waits for.
        if (JSON.stringify(oldRepo.status?.conditions ?? []) !== JSON.stringify(newRepo.status?.conditions ?? [])) this.enqueueDependents(newRepo);
      },
      onDelete: (repo) => {
        this.reconciler.forget(`${repo.metadata.namespace}/${repo.metadata.name}`);
        // Its git cache goes with it; what it applied stays (deleting a GitRepository never prunes).
        void rm(join(opts.cacheDir, repo.metadata.namespace ?? "", repo.metadata.name ?? ""), { recursive: true, force: true }).catch(() => {});
      },
    });
  }

  /** Queues a reconcile now (webhook, "sync now"). */
  trigger(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  /** Runs until signal aborts; resolves when the workers have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    setMaxListeners(0, signal); // every concurrent API call listens on it
    this.informer.start(signal);
    await this.informer.waitForSync(signal);
    await runController({
      name: "gitsync",
      queue: this.queue,
      workers: this.opts.workers ?? 4,
      sync: (key, ctx) => this.sync(key, ctx),
      logger: this.logger,
      signal,
      metrics: this.opts.metrics,
    });
    this.notifier.stop();
    await this.recorder.flush();
  }

  /** One reconcile of key ("namespace/name"). */
  async sync(key: string, ctx: SyncContext): Promise<Result | void> {
    const cached = this.informer.get(key);
    if (!cached) {
      // Deleted: forget it. What it applied stays (deleting a GitRepository never prunes).
      this.reconciler.forget(key);
      return;
    }
    const repo = structuredClone(cached);
    setMaxListeners(0, ctx.signal);
    const started = performance.now();
    const result = await this.reconciler.reconcile(repo, ctx.logger, ctx.signal);
    const ms = performance.now() - started;
    this.metrics.reconciled(result.outcome, ms / 1000);
    this.opts.onReconciled?.(key, result, ms);
    return result.requeueAfterMs > 0 ? { requeueAfter: result.requeueAfterMs } : undefined;
  }

  keyOf(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  private enqueueDependents(repo: GitRepository): void {
    for (const key of dependentsOf(`${repo.metadata.namespace}/${repo.metadata.name}`, this.informer.list())) this.queue.add(key);
  }

  private enqueue(repo: GitRepository): void {
    this.queue.add(`${repo.metadata.namespace}/${repo.metadata.name}`);
  }
}

export { splitKey };
