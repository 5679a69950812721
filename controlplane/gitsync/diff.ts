// `kubelab gitops diff`: what a sync of a revision would do, computed through the controller's
// own path (snapshot, manifests, prepare, dry run, prune plan) without writing anything.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitRepository, InventoryEntry, SyncError } from "../../api/gitops";
import { gitrepositories, isNotFound, type ApiClient } from "../../client";
import { dryRunAll, fetchLive, ownershipConflicts, prepareObjects, type LiveObject } from "./apply";
import { driftedFields } from "./drift";
import { RestMapper } from "./mapper";
import { objectKey, readManifests } from "./manifests";
import { FIELD_MANAGER, planPrune, sourceLabelValue, type LiveOwner } from "./plan";
import { GitSource, type GitReference } from "./source";

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
  let repo: GitRepository | undefined;
  try {
    repo = await client.get<GitRepository>(gitrepositories, namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const url = opts.url ?? repo?.spec.url;
  if (!url) throw new Error(`GitRepository ${namespace}/${name} not found; pass --repo URL[#branch[:path]]`);
  const ref: GitReference = opts.url ? { branch: opts.branch } : repo?.spec.ref ? { ...repo.spec.ref } : { branch: opts.branch ?? repo?.spec.branch };
  const paths = opts.paths ?? (opts.url ? undefined : repo?.spec.paths);
  const cache = await mkdtemp(join(tmpdir(), "kubelab-gitops-diff-"));
  try {
    const source = new GitSource({ url, dir: join(cache, "repo") });
    const fetched = await source.fetch(await source.resolve(ref), ref);
    const mapper = new RestMapper(client);
    await mapper.refresh();
    const read = await readManifests(await source.snapshot(fetched.sha), {
      paths,
      namespaceOf: (o) => {
        const r = mapper.cached(o.apiVersion, o.kind);
        return r && !r.namespaced ? undefined : (o.metadata.namespace ?? namespace);
      },
    });
    const sourceLabel = sourceLabelValue(namespace, name);
    const prepared = await prepareObjects(read.manifests, mapper, { defaultNamespace: namespace, source: sourceLabel, sha: fetched.sha });
    const previous = repo?.status?.inventory ?? [];
    const prevRefs = [];
    for (const r of previous) {
      const resource = await mapper.resourceFor(r.apiVersion, r.kind);
      if (resource) prevRefs.push({ ref: r, resource });
    }
    const live = await fetchLive(client, [...prepared.objects, ...prevRefs]);
    const namespaces = new Set([...live.values()].filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    for (const ns of new Set(prepared.objects.map((o) => o.ref.namespace).filter((x): x is string => Boolean(x)))) {
      if (!namespaces.has(ns)) {
        try {
          await client.get((await mapper.resourceFor("v1", "Namespace"))!, undefined, ns);
          namespaces.add(ns);
        } catch {
          // created by this revision, or missing (the dry run says so)
        }
      }
    }
    const errors = [...read.errors, ...prepared.errors, ...ownershipConflicts(prepared.objects, live, sourceLabel)];
    errors.push(...(await dryRunAll(client, prepared.objects, namespaces, live)));
    const result: DiffResult = { revision: fetched.revision, created: [], changed: [], unchanged: 0, pruned: [], errors };
    for (const p of prepared.objects) {
      const at = `${p.manifest.file}:${p.manifest.line}`;
      const l = live.get(p.key);
      if (!l) {
        result.created.push({ ref: p.ref, at });
        continue;
      }
      // The revision annotation always changes; it is not a change worth showing.
      const body = { ...p.body, metadata: { ...p.body.metadata, annotations: { ...p.body.metadata.annotations } } };
      delete body.metadata.annotations["gitops.kubelab.io/revision"];
      const fields = driftedFields(body, l as Record<string, unknown>);
      if (fields.length) result.changed.push({ ref: p.ref, at, fields });
      else result.unchanged++;
    }
    const owners = new Map<string, LiveOwner>();
    for (const r of previous) {
      const l: LiveObject | undefined = live.get(objectKey(r));
      if (l) owners.set(objectKey(r), { labels: l.metadata.labels, annotations: l.metadata.annotations });
    }
    const plan = planPrune({
      previous,
      next: prepared.objects.map((o) => o.ref),
      source: sourceLabel,
      live: owners,
      allowMassPrune: repo?.metadata.annotations?.["gitops.kubelab.io/allow-mass-prune"] === "true",
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

export { FIELD_MANAGER };
