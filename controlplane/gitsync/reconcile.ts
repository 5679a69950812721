// One reconcile of one GitRepository, as phases that each return what they found:
//   source (resolve the ref)  -> same revision and spec: recheck (drift, health) and stop;
//   render (fetch, read, prepare) -> validate (ownership, dry run) -> nothing written if any error;
//   apply (server-side apply in stages) -> prune (guarded).
// What the phases decided becomes status in one place: commit() turns a RunOutcome into the next
// status and events (run-status.ts, pure) and writes them. Nothing else writes status.
import type { Logger } from "pino";
import { formatDuration, parseDuration } from "../../api/duration";
import { gitRepositoryDefaults, type GitRepository, type GitRepositoryStatus } from "../../api/gitops";
import { gitrepositories, ignoreNotFound, type ApiClient, type ApiStatusError, type EventRecorder } from "../../client";
import { applyAll, fetchLive, isTransient, type ApplyResult, type LiveObject, type PreparedObject } from "./apply";
import { unchangedSince, type UnchangedCheck } from "./changes";
import { applyInWaves, waveErrors } from "./waves";
import { dependencyVerdict, type RepoLookup } from "./depends";
import { detectDrift } from "./drift";
import { GitSourceError } from "./git";
import type { ClientFor } from "./identity";
import { aggregateHealth, isRunningJob, objectHealth, type Health } from "./health";
import type { RestMapper } from "./mapper";
import { noMetrics, type GitSyncMetrics } from "./metrics";
import { transitions, type CommitInfo, type Notifier } from "./notify";
import { ALLOW_MASS_PRUNE_ANNOTATION, nextInventory, sourceLabelValue } from "./plan";
import { pruneAfterApply } from "./prune";
import { renderRevision, resolveSource, type RenderResult, type SourceResult } from "./render";
import { APPLIED_READY_REASONS, decideStatus, type RunOutcome } from "./run-status";
import { shaOfRevision } from "./source";
import { sortErrors, validateRevision, type ValidationResult } from "./validate";


export interface ReconcilerOptions {
  client: ApiClient;
  mapper: RestMapper;
  /** Where the run's events go (an EventRecorder; anything with event() in unit tests). */
  recorder: Pick<EventRecorder, "event">;
  cacheDir: string;
  /** git timeout (default 60 s). */
  gitTimeoutMs?: number;
  /** Concurrent API calls while validating/applying (default 32). */
  concurrency?: number;
  /** Recheck health this often while a rollout progresses (default 2 s). */
  healthPollMs?: number;
  metrics?: GitSyncMetrics;
  /** Other GitRepositories by namespace and name (the informer's cache), for spec.dependsOn. */
  lookup?: RepoLookup;
  /** Sends spec.notify's notifications (none when absent). */
  notifier?: Notifier;
  /**
   * The client a repository's reads, dry runs, applies and prunes go through: its ServiceAccount,
   * impersonated (identity.ts). Status and events are written with `client`. Default: `client`.
   */
  clientFor?: ClientFor;
}

/** How soon a repository waiting on its dependencies looks again (they also requeue it when they change). */
const DEPENDENCY_REQUEUE_MS = 5_000;

/** What the last full run rendered, kept in memory for the cheap path. */
interface Rendered {
  sha: string;
  generation: number;
  objects: PreparedObject[];
}

export interface ReconcileResult {
  requeueAfterMs: number;
  /** What happened (for tests and benchmarks). */
  outcome: "Applied" | "Unchanged" | "Healed" | "Drifted" | "Invalid" | "SourceFailed" | "Suspended" | "ApplyFailed" | "Gone" | "Skipped" | "Waiting";
}

/** One run: the repository, the status it starts from, and its timing. */
interface Run {
  repo: GitRepository;
  key: string;
  generation: number;
  started: number;
  intervalMs: number;
  requeueAfterMs: number;
  /** The status as it stands (updated by every commit). */
  status: GitRepositoryStatus;
  log: Logger;
  signal?: AbortSignal;
  /** spec.timeout, or the interval when unset (as Flux's Kustomization defaults it). */
  healthTimeout: { ms: number; text: string };
  /** The commit being applied (read only when spec.notify asks for notifications). */
  commit?: CommitInfo;
  /** A revision an earlier run began applying and never finished (see prune.ts). */
  unfinishedSha?: string;
  /** Status writes so far in this run (for the writes-per-revision count). */
  statusWrites: number;
  /** The repository's own account (its ServiceAccount): everything but status and events. */
  client: ApiClient;
}

export class Reconciler {
  private readonly rendered = new Map<string, Rendered>();
  /**
   * key -> sha@generation of a revision that failed validation, and when: extra triggers for the
   * same revision are skipped; the interval still re-validates (the cluster may have changed).
   */
  private readonly failed = new Map<string, { id: string; at: number }>();
  /** The status we last wrote, by key, with the resourceVersion the server gave it (the informer may lag). */
  private readonly written = new Map<string, { resourceVersion: number; status: GitRepositoryStatus }>();
  private readonly metrics: GitSyncMetrics;

  constructor(private readonly opts: ReconcilerOptions) {
    this.metrics = opts.metrics ?? noMetrics;
  }

  forget(key: string): void {
    this.rendered.delete(key);
    this.failed.delete(key);
    this.written.delete(key);
  }

  async reconcile(repo: GitRepository, log: Logger, signal?: AbortSignal): Promise<ReconcileResult> {
    const run = this.begin(repo, log, signal);
    if (repo.spec.suspend) {
      await this.commit(run, { kind: "Suspended" });
      return { requeueAfterMs: 0, outcome: "Suspended" };
    }
    const phasesMs: Record<string, number> = {};
    const lap = stopwatch();
    const sourceOpts = { client: run.client, cacheDir: this.opts.cacheDir, gitTimeoutMs: this.opts.gitTimeoutMs, signal };
    let src: SourceResult;
    try {
      src = await resolveSource(repo, sourceOpts);
      phasesMs.resolve = lap();
    } catch (err) {
      return this.sourceFailed(run, err);
    }
    const rendered = this.rendered.get(run.key);
    if (this.isUpToDate(run, src, rendered)) {
      const rechecked = await this.recheck(run, rendered!);
      if (rechecked) return rechecked;
    }
    // A revision in place keeps being rechecked and healed; a new one waits for spec.dependsOn.
    const deps = dependencyVerdict(repo, this.opts.lookup ?? (() => undefined));
    if (!deps.ready) {
      await this.commit(run, { kind: "Waiting", reason: deps.reason, message: deps.message, cycle: deps.reason === "DependencyCycle" });
      return { requeueAfterMs: Math.min(run.requeueAfterMs, DEPENDENCY_REQUEUE_MS), outcome: "Waiting" };
    }
    const failed = this.failed.get(run.key);
    if (failed?.id === `${src.resolved.sha}@${run.generation}` && Date.now() - failed.at < run.intervalMs / 2) return { requeueAfterMs: run.requeueAfterMs, outcome: "Skipped" };

    let render: RenderResult;
    try {
      render = await renderRevision(src, { namespace: repo.metadata.namespace!, name: repo.metadata.name!, paths: repo.spec.paths }, this.opts.mapper);
      phasesMs.read = lap();
    } catch (err) {
      return this.sourceFailed(run, err);
    }
    if (repo.spec.notify) run.commit = await src.source.commitInfo(render.fetched.sha);
    const unchanged = unchangedSince(this.rendered.get(run.key)?.objects);
    const validation = await validateRevision(run.client, this.opts.mapper, {
      unchanged,
      objects: render.objects,
      previous: run.status.inventory ?? [],
      source: this.source(run),
      concurrency: this.opts.concurrency ?? 32,
      signal,
    });
    phasesMs.validate = lap();
    const errors = sortErrors([...render.errors, ...validation.errors, ...waveErrors(render.objects)]);
    if (errors.length > 0) {
      this.failed.set(run.key, { id: `${render.fetched.sha}@${run.generation}`, at: Date.now() });
      await this.commit(run, { kind: "Invalid", revision: render.fetched.revision, errors });
      log.info({ revision: render.fetched.revision, errors: errors.length }, "revision rejected");
      return { requeueAfterMs: run.requeueAfterMs, outcome: "Invalid" };
    }
    this.failed.delete(run.key);
    return this.apply(run, render, validation, unchanged, phasesMs, lap);
  }

  /** The apply and prune phases of a revision that validated, and the status they lead to. */
  private async apply(run: Run, render: RenderResult, validation: ValidationResult, unchanged: UnchangedCheck, phasesMs: Record<string, number>, lap: () => number): Promise<ReconcileResult> {
    const { objects } = render;
    const { revision } = render.fetched;
    const previous = run.status.inventory ?? [];
    const concurrency = this.opts.concurrency ?? 32;
    await this.commit(run, { kind: "Applying", revision, inventory: nextInventory(previous, objects.map((o) => o.ref)), objects: objects.length });

    const live = new Map(validation.live);
    const applied = await applyInWaves(run.client, objects, live, {
      concurrency,
      signal: run.signal,
      unchanged,
      timeoutMs: run.healthTimeout.ms,
      timeoutText: run.healthTimeout.text,
      pollMs: Math.min(500, this.opts.healthPollMs ?? 500),
    });
    this.metrics.wrote("apply", applied.applied.size + applied.errors.length);
    for (const [k, v] of applied.applied) live.set(k, v);
    phasesMs.apply = lap();
    const pruned = await pruneAfterApply(run.client, this.opts.mapper, {
      enabled: run.repo.spec.prune !== false,
      applyFailed: applied.errors.length > 0,
      previous,
      objects,
      live: validation.live,
      source: this.source(run),
      allowMassPrune: run.repo.metadata.annotations?.[ALLOW_MASS_PRUNE_ANNOTATION] === "true",
      unfinishedSha: run.unfinishedSha,
      signal: run.signal,
    });
    this.metrics.wrote("delete", pruned.deleted.length + pruned.failed.length);
    phasesMs.prune = lap();

    const { health, running } = this.health(objects, live);
    const inventory = nextInventory(objects.map((o) => o.ref), pruned.kept);
    await this.commit(run, { kind: "Applied", revision, apply: applied, prune: pruned, inventory, health });
    const ok = applied.errors.length === 0 && pruned.failed.length === 0;
    // After a failed apply the cluster may hold part of this revision: the next one is applied whole.
    if (ok) this.rendered.set(run.key, { sha: render.fetched.sha, generation: run.generation, objects });
    else this.rendered.delete(run.key);
    phasesMs.status = lap();
    const errors = applied.errors.length + pruned.failed.length;
    const writes = applied.created + applied.configured + pruned.deleted.length + run.statusWrites;
    this.metrics.revisionWrites(writes);
    run.log.info({ revision, created: applied.created, configured: applied.configured, unchanged: applied.unchanged, pruned: pruned.deleted.length, errors, writes, phasesMs }, "revision applied");
    return { requeueAfterMs: this.nextPoll(run, health, running), outcome: ok ? "Applied" : "ApplyFailed" };
  }

  /**
   * Same revision and spec: restore (selfHeal) or report drift, refresh health. Undefined when
   * the account may no longer read an object: the full run then reports it at its file and line.
   */
  private async recheck(run: Run, rendered: Rendered): Promise<ReconcileResult | undefined> {
    const denied = new Map<string, ApiStatusError>();
    const live = await fetchLive(run.client, rendered.objects, run.signal, denied);
    if (denied.size > 0) {
      this.rendered.delete(run.key);
      return undefined;
    }
    const drifted = detectDrift(rendered.objects, live);
    let healed: { result: ApplyResult; started: number } | undefined;
    if (drifted.length && run.repo.spec.selfHeal !== false) {
      const started = Date.now();
      const result = await applyAll(run.client, drifted.map((d) => d.object), live, this.opts.concurrency ?? 32, run.signal);
      this.metrics.wrote("apply", result.applied.size + result.errors.length);
      for (const [k, v] of result.applied) live.set(k, v);
      healed = { result, started };
      run.log.info({ objects: drifted.length }, "drift corrected");
    }
    const { health, running } = this.health(rendered.objects, live);
    await this.commit(run, { kind: "Rechecked", drifted, healed, health });
    const outcome = healed ? "Healed" : drifted.length ? "Drifted" : "Unchanged";
    return { requeueAfterMs: this.nextPoll(run, health, running), outcome };
  }

  private async sourceFailed(run: Run, err: unknown): Promise<ReconcileResult> {
    if (run.signal?.aborted || (!(err instanceof GitSourceError) && isTransient(err))) throw err;
    const reason = err instanceof GitSourceError ? err.reason : "GitOperationFailed";
    await this.commit(run, { kind: "SourceFailed", reason, message: String((err as Error)?.message ?? err) });
    return { requeueAfterMs: run.requeueAfterMs, outcome: "SourceFailed" };
  }

  /**
   * The one place status is written: the next status and events from what the phases decided,
   * written when the decision says it is worth it.
   */
  private async commit(run: Run, outcome: RunOutcome): Promise<void> {
    const decision = decideStatus(run.status, outcome, { generation: run.generation, started: run.started, now: Date.now(), healthTimeout: run.healthTimeout });
    const before = run.status;
    run.status = decision.status;
    if (this.opts.notifier && run.repo.spec.notify) this.opts.notifier.notify({ ...run.repo, status: decision.status }, transitions(before, decision.status), run.commit);
    if (decision.write) await this.writeStatus(run, decision.status);
    for (const e of decision.events) this.opts.recorder.event(run.repo, e.type, e.reason, e.message);
  }

  private async writeStatus(run: Run, status: GitRepositoryStatus): Promise<void> {
    const { repo } = run;
    this.metrics.wrote("status");
    run.statusWrites++;
    const out = await this.opts.client
      .patchSubresource<GitRepository>(gitrepositories, repo.metadata.namespace, repo.metadata.name!, "status", { status }, "merge", { signal: run.signal })
      .catch(ignoreNotFound);
    if (!out) return;
    repo.status = status;
    const rv = Number(out.metadata?.resourceVersion);
    if (Number.isFinite(rv)) this.written.set(run.key, { resourceVersion: rv, status: structuredClone(status) });
  }

  private begin(repo: GitRepository, log: Logger, signal?: AbortSignal): Run {
    const key = `${repo.metadata.namespace}/${repo.metadata.name}`;
    const mine = this.written.get(key);
    if (mine && mine.resourceVersion > Number(repo.metadata.resourceVersion ?? 0)) repo.status = structuredClone(mine.status);
    const intervalMs = parseDuration(repo.spec.interval ?? "30s");
    const jitter = Math.round(Math.random() * Math.min(5_000, intervalMs * 0.1));
    const status = structuredClone(repo.status ?? {});
    const timeoutText = repo.spec.timeout ?? repo.spec.interval ?? gitRepositoryDefaults.interval;
    const healthTimeout = { ms: parseDuration(timeoutText), text: formatDuration(parseDuration(timeoutText)) };
    const unfinishedSha = status.lastAttemptedRevision !== status.lastAppliedRevision ? shaOfRevision(status.lastAttemptedRevision) : undefined;
    const client = this.opts.clientFor?.(repo) ?? this.opts.client;
    return { repo, key, generation: repo.metadata.generation ?? 0, started: Date.now(), intervalMs, requeueAfterMs: intervalMs + jitter, status, log, signal, healthTimeout, unfinishedSha, statusWrites: 0, client };
  }

  /**
   * The cheap path applies only from a clean state at the revision and spec last rendered: a
   * blocked prune, a failed apply or a git error is retried by a full run.
   */
  private isUpToDate(run: Run, src: SourceResult, rendered: Rendered | undefined): boolean {
    // Applied cleanly (healthy, rolling out or degraded): rechecks judge its health again.
    const clean = APPLIED_READY_REASONS.has(run.status.conditions?.find((c) => c.type === "Ready")?.reason ?? "") && run.status.lastAttemptedRevision === run.status.lastAppliedRevision;
    const sameSpec = run.status.observedGeneration === run.generation;
    return clean && sameSpec && src.resolved.sha === shaOfRevision(run.status.lastAppliedRevision) && rendered?.sha === src.resolved.sha && rendered.generation === run.generation;
  }

  private source(run: Run): string {
    return sourceLabelValue(run.repo.metadata.namespace!, run.repo.metadata.name!);
  }

  /** The repository's health, and whether a Job it applied is still running (its outcome pending). */
  private health(objects: PreparedObject[], live: Map<string, LiveObject>): { health: Health; running: boolean } {
    const items = objects.map((p) => ({ ref: p.key, health: objectHealth(p.ref, live.get(p.key)) }));
    return { health: aggregateHealth(items), running: items.some((i) => isRunningJob(i.health)) };
  }

  /**
   * Poll health while a rollout progresses, or while a Job runs (kstatus calls it Current, but
   * its failure must not wait for the interval to be seen), else wait for the interval.
   */
  private nextPoll(run: Run, health: Health, running: boolean): number {
    const poll = health.status === "Progressing" || health.status === "Missing" || running ? (this.opts.healthPollMs ?? 2_000) : run.requeueAfterMs;
    return Math.min(poll, run.requeueAfterMs);
  }
}

/** Milliseconds since the last call (one decimal), for the per-phase timings in the log. */
function stopwatch(): () => number {
  let mark = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round((now - mark) * 10) / 10;
    mark = now;
    return ms;
  };
}
