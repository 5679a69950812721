// `kubelab gitops diff`: what a sync of a revision would do, computed through the controller's
// own phases (render, validate, prune plan) without writing anything, reading and dry-running as
// the repository's ServiceAccount as the controller does (the caller needs \`impersonate\` on it).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitRepository, InventoryEntry, SyncError } from "../../api/gitops";
import { gitrepositories, ignoreNotFound, type ApiClient } from "../../client";
import type { LiveObject, PreparedObject } from "./apply";
import { driftedFields } from "./drift";
import { impersonatingClients } from "./identity";
import { RestMapper } from "./mapper";
import { objectKey } from "./manifests";
import { ALLOW_MASS_PRUNE_ANNOTATION, FIELD_MANAGER, REVISION_ANNOTATION, planPrune, sourceLabelValue, type LiveOwner } from "./plan";
import { renderRevision } from "./render";
import { GitSource, type GitReference } from "./source";
import { sortErrors, validateRevision } from "./validate";

export interface DiffOptions {
  client: ApiClient;
  /** The GitRepository whose inventory and ownership the diff uses (it need not exist). */
  namespace: string;
  name: string;
  /** Overrides of the GitRepository's spec (from --repo URL#branch:path). */
  url?: string;
  branch?: string;
  paths?: string[];
}

export interface DiffEntry {
  ref: InventoryEntry;
  /** Where it comes from in git (created/changed). */
  at?: string;
  /** Changed fields (changed only). */
  fields?: string[];
}

export interface DiffResult {
  revision: string;
  created: DiffEntry[];
  changed: DiffEntry[];
  unchanged: number;
  pruned: DiffEntry[];
  pruneBlocked?: string;
  errors: SyncError[];
}

export async function diffRevision(opts: DiffOptions): Promise<DiffResult> {
  const { client, namespace, name } = opts;
  const repo = await client.get<GitRepository>(gitrepositories, namespace, name).catch(ignoreNotFound);
  const url = opts.url ?? repo?.spec.url;
  if (!url) throw new Error(`GitRepository ${namespace}/${name} not found; pass --repo URL[#branch[:path]]`);
  const ref: GitReference = opts.url ? { branch: opts.branch } : repo?.spec.ref ? { ...repo.spec.ref } : { branch: opts.branch ?? repo?.spec.branch };
  const paths = opts.paths ?? (opts.url ? undefined : repo?.spec.paths);
  const cache = await mkdtemp(join(tmpdir(), "kubelab-gitops-diff-"));
  try {
    const source = new GitSource({ url, dir: join(cache, "repo") });
    const mapper = new RestMapper(client);
    await mapper.refresh();
    const render = await renderRevision({ source, ref, resolved: await source.resolve(ref) }, { namespace, name, paths }, mapper);
    const previous = repo?.status?.inventory ?? [];
    const sourceLabel = sourceLabelValue(namespace, name);
    // Read and dry-run as the controller would: as the repository's ServiceAccount (identity.ts).
    const asRepository = impersonatingClients(client)(repo ?? ({ metadata: { namespace, name }, spec: { url } } as GitRepository));
    const validation = await validateRevision(asRepository, mapper, { objects: render.objects, previous, source: sourceLabel, concurrency: 16 });
    const result: DiffResult = { revision: render.fetched.revision, created: [], changed: [], unchanged: 0, pruned: [], errors: sortErrors([...render.errors, ...validation.errors]) };
    classify(result, render.objects, validation.live);
    const plan = planPrune({
      previous,
      next: render.objects.map((o) => o.ref),
      source: sourceLabel,
      live: ownersOf(previous, validation.live),
      allowMassPrune: repo?.metadata.annotations?.[ALLOW_MASS_PRUNE_ANNOTATION] === "true",
    });
    if (repo?.spec.prune !== false) {
      result.pruned = plan.prune.map((ref) => ({ ref }));
      if (plan.blocked) result.pruneBlocked = plan.blocked.message;
    }
    return result;
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/** Sorts the rendered objects into created, changed (with the fields) and unchanged. */
function classify(result: DiffResult, objects: PreparedObject[], live: Map<string, LiveObject>): void {
  for (const p of objects) {
    const at = `${p.manifest.file}:${p.manifest.line}`;
    const l = live.get(p.key);
    if (!l) {
      result.created.push({ ref: p.ref, at });
      continue;
    }
    // The revision annotation always changes; it is not a change worth showing.
    const body = { ...p.body, metadata: { ...p.body.metadata, annotations: { ...p.body.metadata.annotations } } };
    delete body.metadata.annotations[REVISION_ANNOTATION];
    const fields = driftedFields(body, l as Record<string, unknown>);
    if (fields.length) result.changed.push({ ref: p.ref, at, fields });
    else result.unchanged++;
  }
}

function ownersOf(previous: InventoryEntry[], live: Map<string, LiveObject>): Map<string, LiveOwner> {
  const owners = new Map<string, LiveOwner>();
  for (const r of previous) {
    const l = live.get(objectKey(r));
    if (l) owners.set(objectKey(r), { labels: l.metadata.labels, annotations: l.metadata.annotations });
  }
  return owners;
}

export { FIELD_MANAGER };
