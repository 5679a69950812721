// The reconcile runtime every controller uses (controller-runtime's contract): workers take keys
// from a WorkQueue and call sync(key). The worker loop alone decides what happens next:
//   returns { requeueAfter }  -> forget the backoff, add again after that long
//   returns { requeue: true } -> add again rate-limited
//   returns nothing           -> forget
//   throws TerminalError      -> log, forget (retrying cannot help)
//   throws anything else      -> log, add again rate-limited
import { randomUUID } from "node:crypto";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { controllerMetrics, type ReconcileResult } from "./metrics";
import type { WorkQueue } from "./workqueue";

export interface Result {
  /** Reconcile this key again after this many milliseconds. */
  requeueAfter?: number;
  /** Reconcile again with the key's backoff. */
  requeue?: boolean;
}

/** An error that retrying cannot fix (bad spec, missing permission): logged once, not retried. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

export interface SyncContext {
  /** Logger tagged with controller, key and reconcileID. */
  logger: Logger;
  /** Aborts when the controller stops. */
  signal: AbortSignal;
  reconcileID: string;
}

export type SyncFunc = (key: string, ctx: SyncContext) => Promise<Result | void>;

/** How runController runs one controller's workers. */
export interface RunControllerOptions {
  name: string;
  queue: WorkQueue;
  /** Concurrent workers (default 1). A key is never synced by two at once. */
  workers?: number;
  sync: SyncFunc;
  logger?: Logger;
  /** Stops the controller: the queue shuts down and workers finish their current key. */
  signal?: AbortSignal;
  /** Called after every sync with its outcome. */
  onResult?: (outcome: ReconcileOutcome) => void;
  /** Record controller_runtime_* metrics here, and the queue's workqueue_* metrics (label name). */
  metrics?: Registry;
}


export interface ReconcileOutcome {
  controller: string;
  key: string;
  result: ReconcileResult;
  durationMs: number;
}

/** Runs workers until the queue is shut down (or signal aborts); resolves when all have finished. */
export async function runController(opts: RunControllerOptions): Promise<void> {
  const { name, queue, sync } = opts;
  const logger = (opts.logger ?? pino({ level: "silent" })).child({ controller: name });
  const ctrl = new AbortController();
  const stop = () => {
    ctrl.abort(opts.signal?.reason);
    queue.shutDown();
  };
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener("abort", stop, { once: true });
  const workers = Math.max(1, opts.workers ?? 1);
  const metrics = opts.metrics ? controllerMetrics(opts.metrics) : undefined;
  if (opts.metrics) queue.recordMetrics(opts.metrics);
  metrics?.started(name, workers);
  const hooks: WorkerHooks = {
    started: () => metrics?.worker(name, 1),
    finished: (outcome) => {
      metrics?.worker(name, -1);
      metrics?.observe(name, outcome.result, outcome.durationMs);
      opts.onResult?.(outcome);
    },
  };
  logger.info({ workers }, "starting workers");
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (await processNextWorkItem(name, queue, sync, logger, ctrl.signal, hooks)) {
          // keep going
        }
      }),
    );
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    logger.info("workers stopped");
  }
}

/** Called around each sync (metrics); they must not throw, and the loop ignores it if they do. */
interface WorkerHooks {
  started(): void;
  finished(outcome: ReconcileOutcome): void;
}

/** Takes one key and syncs it; false when the queue has shut down. */
async function processNextWorkItem(
  name: string,
  queue: WorkQueue,
  sync: SyncFunc,
  logger: Logger,
  signal: AbortSignal,
  hooks: WorkerHooks,
): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) return false;
  safely(() => hooks.started());
  const reconcileID = randomUUID();
  const log = logger.child({ key, reconcileID });
  const started = performance.now();
  let outcome: ReconcileOutcome["result"];
  try {
    const result = await sync(key, { logger: log, signal, reconcileID });
    if (result?.requeueAfter && result.requeueAfter > 0) {
      queue.forget(key);
      queue.addAfter(key, result.requeueAfter);
      outcome = "requeue_after";
    } else if (result?.requeue) {
      queue.addRateLimited(key);
      outcome = "requeue";
    } else {
      queue.forget(key);
      outcome = "success";
    }
  } catch (err) {
    if (err instanceof TerminalError) {
      log.error({ err }, "Reconciler error (terminal, not retried)");
      queue.forget(key);
      outcome = "terminal_error";
    } else {
      log.error({ err: asError(err), requeues: queue.numRequeues(key) }, "Reconciler error");
      queue.addRateLimited(key);
      outcome = "error";
    }
  } finally {
    queue.done(key);
  }
  safely(() => hooks.finished({ controller: name, key, result: outcome, durationMs: performance.now() - started }));
  return true;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // metrics must not break the loop
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
}
