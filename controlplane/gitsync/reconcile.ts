// One reconcile of one GitRepository: resolve the revision (ls-remote), and either
//  - a new revision or spec: read that snapshot, validate every object (parse + dry run), apply
//    nothing if anything is wrong, else apply in stages, prune (guarded), record status; or
//  - the same revision: the cheap path, comparing manifest fields with the live objects to
//    restore (selfHeal) or report (Drifted) hand edits, and refreshing health.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "pino";
import { parseDuration, type GitRepository, type GitRepositoryStatus, type SyncError, type SyncHistoryEntry } from "../../api/gitops";
import { gitrepositories, isNotFound, secrets, type ApiClient, type EventRecorder } from "../../client";
import { applyAll, display, dryRunAll, fetchLive, isTransient, ownershipConflicts, prepareObjects, type LiveObject, type PreparedObject } from "./apply";
import { driftedFields } from "./drift";
import { GitSourceError, type GitAuth } from "./git";
import { aggregateHealth, objectHealth, type Health } from "./health";
import type { RestMapper } from "./mapper";
import { objectKey, readManifests } from "./manifests";
import { ALLOW_MASS_PRUNE_ANNOTATION, nextInventory, sourceLabelValue } from "./plan";
import { prune } from "./prune";
import { GitSource, shaOfRevision, type GitReference, type ResolvedRevision } from "./source";
import { Reasons, capErrors, errorSummary, pushHistory, rfc3339, sameStatus, setConditions, type ConditionInput } from "./status";

export interface ReconcilerOptions {
  client: ApiClient;
  mapper: RestMapper;
  recorder: EventRecorder;
  cacheDir: string;
  /** git timeout (default 60 s). */
  gitTimeoutMs?: number;
  /** Concurrent API calls while validating/applying (default 32). */
  concurrency?: number;
  /** Recheck health this often while a rollout progresses (default 2 s). */
  healthPollMs?: number;
}

/** What the last full run rendered, kept in memory for the cheap path. */
interface Rendered {
  sha: string;
  generation: number;
  objects: PreparedObject[];
}

export interface ReconcileResult {
  requeueAfterMs: number;
  /** What happened (for tests and benchmarks). */
  outcome: "Applied" | "Unchanged" | "Healed" | "Drifted" | "Invalid" | "SourceFailed" | "Suspended" | "ApplyFailed" | "Gone" | "Skipped";
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

  constructor(private readonly opts: ReconcilerOptions) {}

  forget(key: string): void {
    this.rendered.delete(key);
    this.failed.delete(key);
    this.written.delete(key);
  }

  async reconcile(repo: GitRepository, log: Logger, signal?: AbortSignal): Promise<ReconcileResult> {
    const ns = repo.metadata.namespace!;
    const name = repo.metadata.name!;
    const key = `${ns}/${name}`;
    const mine = this.written.get(key);
    if (mine && mine.resourceVersion > Number(repo.metadata.resourceVersion ?? 0)) repo.status = structuredClone(mine.status);
    const generation = repo.metadata.generation ?? 0;
    const interval = parseDuration(repo.spec.interval ?? "30s");
    const jitter = Math.round(Math.random() * Math.min(5_000, interval * 0.1));
    const requeueAfterMs = interval + jitter;
    const status: GitRepositoryStatus = structuredClone(repo.status ?? {});
    const now = () => rfc3339(Date.now());

    if (repo.spec.suspend) {
      status.conditions = setConditions(status.conditions, [
        { type: "Ready", status: "Unknown", reason: Reasons.Suspended, message: `reconciliation is suspended${status.lastAppliedRevision ? ` (last applied ${status.lastAppliedRevision})` : ""}` },
        { type: "Reconciling", status: "False", reason: Reasons.Suspended, message: "reconciliation is suspended" },
      ], generation, now());
      status.observedGeneration = generation;
      await this.writeStatus(repo, status, signal);
      return { requeueAfterMs: 0, outcome: "Suspended" };
    }

    const started = Date.now();
    const phases: Record<string, number> = {};
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = Math.round((now - mark) * 10) / 10;
      mark = now;
      return ms;
    };
    const ref: GitReference = repo.spec.ref ? { ...repo.spec.ref } : { branch: repo.spec.branch };
    let source: GitSource;
    let resolved: ResolvedRevision;
    try {
      const auth = await this.credentials(repo, signal);
      source = new GitSource({ url: repo.spec.url, dir: this.cachePath(ns, name, repo.spec.url), auth, timeoutMs: this.opts.gitTimeoutMs, signal });
      resolved = await source.resolve(ref);
      phases.resolve = lap();
    } catch (err) {
      return this.sourceFailed(repo, status, err, started, requeueAfterMs, signal);
    }

    const lastApplied = shaOfRevision(status.lastAppliedRevision);
    const rendered = this.rendered.get(key);
    const sameSpec = status.observedGeneration === generation;
    // The cheap path only from a clean state: a blocked prune, a failed apply or a transient git
    // error is retried by a full run.
    const clean = status.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (clean && resolved.sha === lastApplied && sameSpec && rendered?.sha === resolved.sha && rendered.generation === generation) {
      return this.recheck(repo, status, rendered, log, requeueAfterMs, signal);
    }
    const failed = this.failed.get(key);
    if (failed?.id === `${resolved.sha}@${generation}` && Date.now() - failed.at < interval / 2) return { requeueAfterMs, outcome: "Skipped" };

    // A new revision (or spec): read exactly that snapshot.
    let fetched: ResolvedRevision;
    let objects: PreparedObject[] = [];
    const errors: SyncError[] = [];
    try {
      fetched = await source.fetch(resolved, ref);
      phases.fetch = lap();
      const snapshot = await source.snapshot(fetched.sha);
      const read = await readManifests(snapshot, {
        paths: repo.spec.paths,
        namespaceOf: (o) => {
          const r = this.opts.mapper.cached(o.apiVersion, o.kind);
          return r && !r.namespaced ? undefined : (o.metadata.namespace ?? ns);
        },
      });
      errors.push(...read.errors);
      const prepared = await prepareObjects(read.manifests, this.opts.mapper, { defaultNamespace: ns, source: sourceLabelValue(ns, name), sha: fetched.sha });
      objects = prepared.objects;
      errors.push(...prepared.errors);
      phases.read = lap();
    } catch (err) {
      return this.sourceFailed(repo, status, err, started, requeueAfterMs, signal);
    }
    const revision = fetched.revision;
    status.lastAttemptedRevision = revision;

    // Validate everything before writing anything.
    const previous = status.inventory ?? [];
    const prevRefs = await this.resolveRefs(previous);
    const live = await fetchLive(this.opts.client, [...objects, ...prevRefs], signal);
    // Every object that parsed is validated, even when others did not: all errors in one run.
    errors.push(...ownershipConflicts(objects, live, sourceLabelValue(ns, name)));
    const namespaces = new Set([...live.values()].filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    const nsRefs = [...new Set(objects.map((o) => o.ref.namespace).filter((x): x is string => Boolean(x)))];
    for (const n of nsRefs) if (!namespaces.has(n) && (await this.namespaceExists(n, signal))) namespaces.add(n);
    errors.push(...(await dryRunAll(this.opts.client, objects, namespaces, live, this.opts.concurrency ?? 32, signal)));
    phases.validate = lap();
    errors.sort((a, b) => (a.file ?? "").localeCompare(b.file ?? "") || (a.line ?? 0) - (b.line ?? 0));
    if (errors.length > 0) {
      const message = errorSummary(errors, revision);
      status.errors = capErrors(errors);
      status.observedGeneration = generation;
      // The same revision failing the same way again (interval re-validation): no new history or event.
      const repeat = repo.status?.lastAttemptedRevision === revision && repo.status?.conditions?.find((c) => c.type === "Ready")?.message === message;
      if (!repeat) status.history = pushHistory(status.history, { revision, startedAt: rfc3339(started), durationMs: Date.now() - started, result: "Failed", message });
      status.conditions = setConditions(status.conditions, [
        { type: "Ready", status: "False", reason: Reasons.ValidationFailed, message },
        { type: "Reconciling", status: "False", reason: Reasons.ValidationFailed, message: "waiting for a new revision" },
        { type: "Stalled", status: "True", reason: Reasons.ValidationFailed, message: `${errors.length} error${errors.length > 1 ? "s" : ""} in ${revision}; the cluster keeps ${status.lastAppliedRevision ?? "nothing applied"}` },
      ], generation, now());
      this.failed.set(key, { id: `${fetched.sha}@${generation}`, at: Date.now() });
      if (!repeat) this.opts.recorder.event(repo, "Warning", Reasons.ValidationFailed, message);
      if (!repeat || !sameStatus(repo.status, status)) {
        status.lastSyncTime = now();
        await this.writeStatus(repo, status, signal);
      }
      log.info({ revision, errors: errors.length }, "revision rejected");
      return { requeueAfterMs, outcome: "Invalid" };
    }
    this.failed.delete(key);

    // Record the union first: a crash mid-apply leaves every object we may have created in the
    // inventory. (Skipped for a small revision that creates nothing: there is nothing to record.)
    status.inventory = nextInventory(previous, objects.map((o) => o.ref));
    status.conditions = setConditions(status.conditions, [{ type: "Reconciling", status: "True", reason: Reasons.Progressing, message: `applying ${revision}` }], generation, now());
    if (status.inventory.length > previous.length || objects.length > 50) await this.writeStatus(repo, status, signal);

    const liveBefore = new Map(live);
    const applied = await applyAll(this.opts.client, objects, live, this.opts.concurrency ?? 32, signal);
    for (const [k, v] of applied.applied) live.set(k, v);
    phases.apply = lap();
    const pruned = applied.errors.length === 0 && repo.spec.prune !== false
      ? await prune(this.opts.client, this.opts.mapper, {
          previous,
          objects,
          live: liveBefore,
          source: sourceLabelValue(ns, name),
          allowMassPrune: repo.metadata.annotations?.[ALLOW_MASS_PRUNE_ANNOTATION] === "true",
          lastAppliedSha: lastApplied,
          signal,
        })
      : { deleted: [], kept: applied.errors.length ? previous : [], blocked: undefined, failed: [] };
    status.inventory = nextInventory(objects.map((o) => o.ref), pruned.kept);

    phases.prune = lap();
    const health = this.health(objects, live);
    const ok = applied.errors.length === 0 && pruned.failed.length === 0;
    const summary = `${applied.created} created, ${applied.configured} configured, ${applied.unchanged} unchanged${pruned.deleted.length ? `, ${pruned.deleted.length} pruned` : ""}`;
    const conditions: ConditionInput[] = [
      { type: "Reconciling", status: "False", reason: ok ? Reasons.Succeeded : Reasons.ApplyFailed, message: summary },
      { type: "Stalled", status: "False", reason: ok ? Reasons.Succeeded : Reasons.ApplyFailed, message: "" },
      healthCondition(health),
      { type: "Drifted", status: "False", reason: Reasons.NoDrift, message: "live objects match the revision" },
      pruned.blocked
        ? { type: "PruneBlocked", status: "True", reason: Reasons.PruneBlocked, message: pruned.blocked }
        : { type: "PruneBlocked", status: "False", reason: Reasons.Succeeded, message: "" },
    ];
    const allErrors = [...applied.errors, ...pruned.failed.map((f) => ({ apiVersion: f.ref.apiVersion, kind: f.ref.kind, ...(f.ref.namespace ? { namespace: f.ref.namespace } : {}), name: f.ref.name, reason: Reasons.PruneFailed, message: f.message }))];
    if (ok && !pruned.blocked) conditions.push({ type: "Ready", status: "True", reason: Reasons.Succeeded, message: `Applied revision: ${revision}` });
    else if (pruned.blocked && ok) conditions.push({ type: "Ready", status: "False", reason: Reasons.PruneBlocked, message: `Applied revision: ${revision}; prune blocked: ${pruned.blocked}` });
    else conditions.push({ type: "Ready", status: "False", reason: applied.errors.length ? Reasons.ApplyFailed : Reasons.PruneFailed, message: errorSummary(allErrors, revision) });
    status.conditions = setConditions(status.conditions, conditions, generation, now());
    status.errors = capErrors(allErrors);
    status.observedGeneration = generation;
    if (applied.errors.length === 0) status.lastAppliedRevision = revision;
    status.lastSyncTime = now();
    const entry: SyncHistoryEntry = {
      revision,
      startedAt: rfc3339(started),
      durationMs: Date.now() - started,
      result: ok ? (pruned.blocked ? "Blocked" : "Succeeded") : "Failed",
      message: summary,
      applied: applied.created + applied.configured,
      pruned: pruned.deleted.length,
      unchanged: applied.unchanged,
    };
    status.history = pushHistory(status.history, entry);
    await this.writeStatus(repo, status, signal);

    if (ok) this.rendered.set(key, { sha: fetched.sha, generation, objects });
    this.opts.recorder.event(repo, ok ? "Normal" : "Warning", ok ? "Applied" : Reasons.ApplyFailed, ok ? `applied ${revision}: ${summary}` : errorSummary(allErrors, revision));
    if (pruned.deleted.length) this.opts.recorder.event(repo, "Normal", "Pruned", `pruned ${pruned.deleted.map((r) => `${r.kind} ${display(r)}`).join(", ")}`);
    if (pruned.blocked) this.opts.recorder.event(repo, "Warning", Reasons.PruneBlocked, pruned.blocked);
    phases.status = lap();
    log.info({ revision, created: applied.created, configured: applied.configured, pruned: pruned.deleted.length, errors: allErrors.length, phasesMs: phases }, "revision applied");
    const poll = health.status === "Progressing" || health.status === "Missing" ? (this.opts.healthPollMs ?? 2_000) : requeueAfterMs;
    return { requeueAfterMs: Math.min(poll, requeueAfterMs), outcome: ok ? "Applied" : "ApplyFailed" };
  }

  /** Same revision and spec: restore or report drift, refresh health; writes status only on change. */
  private async recheck(repo: GitRepository, status: GitRepositoryStatus, rendered: Rendered, log: Logger, requeueAfterMs: number, signal?: AbortSignal): Promise<ReconcileResult> {
    const live = await fetchLive(this.opts.client, rendered.objects, signal);
    const drifted: Array<{ p: PreparedObject; fields: string[] }> = [];
    for (const p of rendered.objects) {
      const l = live.get(p.key);
      const fields = l ? driftedFields(p.body, l as Record<string, unknown>) : ["(deleted)"];
      if (fields.length) drifted.push({ p, fields });
    }
    const generation = repo.metadata.generation ?? 0;
    const now = rfc3339(Date.now());
    const describe = drifted.slice(0, 5).map((d) => `${d.p.ref.kind} ${display(d.p.ref)}: ${d.fields.slice(0, 3).join(", ")}`).join("; ") + (drifted.length > 5 ? ` (and ${drifted.length - 5} more)` : "");
    let outcome: ReconcileResult["outcome"] = "Unchanged";
    const next = structuredClone(status);
    if (drifted.length && repo.spec.selfHeal !== false) {
      const started = Date.now();
      const healed = await applyAll(this.opts.client, drifted.map((d) => d.p), live, this.opts.concurrency ?? 32, signal);
      for (const [k, v] of healed.applied) live.set(k, v);
      next.history = pushHistory(next.history, {
        revision: status.lastAppliedRevision,
        startedAt: rfc3339(started),
        durationMs: Date.now() - started,
        result: healed.errors.length ? "Failed" : "Succeeded",
        message: `drift corrected: ${describe}`,
        applied: healed.applied.size,
      });
      this.opts.recorder.event(repo, "Normal", "DriftCorrected", `restored ${describe}`);
      next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "False", reason: "DriftCorrected", message: `restored ${describe}` }], generation, now);
      log.info({ objects: drifted.length }, "drift corrected");
      outcome = "Healed";
    } else if (drifted.length) {
      const message = `${drifted.length} object${drifted.length > 1 ? "s" : ""} differ from ${status.lastAppliedRevision}: ${describe}`;
      const before = status.conditions?.find((c) => c.type === "Drifted");
      if (before?.status !== "True" || before.message !== message) this.opts.recorder.event(repo, "Warning", Reasons.DriftDetected, message);
      next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "True", reason: Reasons.DriftDetected, message }], generation, now);
      outcome = "Drifted";
    } else {
      const before = status.conditions?.find((c) => c.type === "Drifted");
      if (before?.status === "True") next.conditions = setConditions(next.conditions, [{ type: "Drifted", status: "False", reason: Reasons.NoDrift, message: "live objects match the revision" }], generation, now);
    }
    const health = this.health(rendered.objects, live);
    next.conditions = setConditions(next.conditions, [healthCondition(health)], generation, now);
    if (!sameStatus(status, next)) {
      next.lastSyncTime = now;
      await this.writeStatus(repo, next, signal);
    }
    const poll = health.status === "Progressing" || health.status === "Missing" ? (this.opts.healthPollMs ?? 2_000) : requeueAfterMs;
    return { requeueAfterMs: Math.min(poll, requeueAfterMs), outcome };
  }

  private health(objects: PreparedObject[], live: Map<string, LiveObject>): Health {
    return aggregateHealth(objects.map((p) => ({ ref: p.key, health: objectHealth(p.ref.kind, live.get(p.key)) })));
  }

  private async sourceFailed(repo: GitRepository, status: GitRepositoryStatus, err: unknown, started: number, requeueAfterMs: number, signal?: AbortSignal): Promise<ReconcileResult> {
    if (signal?.aborted || (!(err instanceof GitSourceError) && isTransient(err))) throw err;
    const reason = err instanceof GitSourceError ? err.reason : "GitOperationFailed";
    const message = String((err as Error)?.message ?? err);
    const generation = repo.metadata.generation ?? 0;
    const now = rfc3339(Date.now());
    const prevReady = status.conditions?.find((c) => c.type === "Ready");
    const next = structuredClone(status);
    next.conditions = setConditions(next.conditions, [
      { type: "Ready", status: "False", reason, message },
      { type: "Reconciling", status: "False", reason, message: "retrying at the next interval" },
      { type: "Stalled", status: reason === "Timeout" || reason === "GitOperationFailed" ? "False" : "True", reason, message },
    ], generation, now);
    next.observedGeneration = generation;
    if (prevReady?.message !== message) {
      next.history = pushHistory(next.history, { startedAt: rfc3339(started), durationMs: Date.now() - started, result: "Failed", message });
      this.opts.recorder.event(repo, "Warning", reason, message);
    }
    if (!sameStatus(status, next)) {
      next.lastSyncTime = now;
      await this.writeStatus(repo, next, signal);
    }
    return { requeueAfterMs, outcome: "SourceFailed" };
  }

  private async credentials(repo: GitRepository, signal?: AbortSignal): Promise<GitAuth | undefined> {
    const ref = repo.spec.secretRef?.name;
    if (!ref) return undefined;
    let secret: { metadata?: { name?: string }; data?: Record<string, string> };
    try {
      secret = await this.opts.client.get<{ metadata?: { name?: string }; data?: Record<string, string> }>(secrets, repo.metadata.namespace, ref, { signal });
    } catch (err) {
      if (isNotFound(err)) throw new GitSourceError("AuthenticationFailed", `secret ${repo.metadata.namespace}/${ref} (spec.secretRef) not found`);
      throw err;
    }
    return authFromSecret(secret.data ?? {});
  }

  private cachePath(ns: string, name: string, url: string): string {
    const h = createHash("sha256").update(url).digest("hex").slice(0, 12);
    return join(this.opts.cacheDir, ns, name, h);
  }

  private async resolveRefs(refs: Array<{ apiVersion: string; kind: string; namespace?: string; name: string }>) {
    const out = [];
    for (const ref of refs) {
      const resource = await this.opts.mapper.resourceFor(ref.apiVersion, ref.kind);
      if (resource) out.push({ ref, resource, key: objectKey(ref) });
    }
    return out;
  }

  private async namespaceExists(name: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.opts.client.get((await this.opts.mapper.resourceFor("v1", "Namespace"))!, undefined, name, { signal });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async writeStatus(repo: GitRepository, status: GitRepositoryStatus, signal?: AbortSignal): Promise<void> {
    try {
      const out = await this.opts.client.patchSubresource<GitRepository>(gitrepositories, repo.metadata.namespace, repo.metadata.name!, "status", { status }, "merge", { signal });
      repo.status = status;
      const rv = Number(out.metadata?.resourceVersion);
      if (Number.isFinite(rv)) this.written.set(`${repo.metadata.namespace}/${repo.metadata.name}`, { resourceVersion: rv, status: structuredClone(status) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Credentials from a Secret's data (base64): identity/known_hosts, username/password, token. */
export function authFromSecret(data: Record<string, string>): GitAuth {
  const get = (k: string) => (data[k] !== undefined ? Buffer.from(data[k]!, "base64").toString("utf8") : undefined);
  return { identity: get("identity"), knownHosts: get("known_hosts"), username: get("username"), password: get("password"), token: get("token") };
}

function healthCondition(h: Health): ConditionInput {
  const reason = h.status === "Missing" ? "Progressing" : h.status;
  const status = h.status === "Healthy" ? "True" : h.status === "Degraded" ? "False" : "Unknown";
  return { type: "Healthy", status, reason, message: h.message };
}
