// The API server side of a sync: turn manifests into the objects git-sync applies (resource,
// namespace, ownership labels, revision annotation), read their live state, validate them all
// with a server-side dry run, apply them with server-side apply in stages, delete pruned ones.
import type { SyncError } from "../../api/gitops";
import { ApiStatusError, ignoreNotFound, isNotFound, mapLimit, type ApiClient } from "../../client";
import type { ResourceRef } from "../../client/resources";
import { providedKinds, waitEstablished } from "./crd-order";
import type { RestMapper } from "./mapper";
import { objectKey, parseFieldPath, type Manifest, type ManifestObject } from "./manifests";
import { ADOPT_ANNOTATION, CREATED_BY_ANNOTATION, FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, REVISION_ANNOTATION, SOURCE_LABEL, applyStages, isOwnedBy, type ObjectRef } from "./plan";

export interface PreparedObject {
  manifest: Manifest;
  ref: ObjectRef;
  key: string;
  resource: ResourceRef;
  /** The body sent with server-side apply. */
  body: ManifestObject;
  /** A custom resource whose CRD comes in the same revision: the CRD's name (see crd-order.ts). */
  awaitsCrd?: string;
}

export type LiveObject = ManifestObject & { metadata: ManifestObject["metadata"] & { resourceVersion?: string; uid?: string } };

export interface PrepareOptions {
  /** Namespace for namespaced objects without one (the GitRepository's). */
  defaultNamespace: string;
  /** "<ns>.<name>" of the GitRepository. */
  source: string;
  /** The commit SHA, written to gitops.kubelab.io/revision. */
  sha: string;
}

const whereOf = (m: Manifest, o: { apiVersion: string; kind: string; namespace?: string; name: string }) => ({
  file: m.file,
  line: m.line,
  document: m.document,
  apiVersion: o.apiVersion,
  kind: o.kind,
  ...(o.namespace ? { namespace: o.namespace } : {}),
  name: o.name,
});

/** Resolves each manifest's resource and namespace and stamps ownership; unknown kinds are errors. */
export async function prepareObjects(manifests: Manifest[], mapper: RestMapper, opts: PrepareOptions): Promise<{ objects: PreparedObject[]; errors: SyncError[] }> {
  const objects: PreparedObject[] = [];
  const errors: SyncError[] = [];
  const provided = providedKinds(manifests);
  for (const m of manifests) {
    const o = m.object;
    const fromRevision = provided.get(`${o.apiVersion}/${o.kind}`);
    const resource = (await mapper.resourceFor(o.apiVersion, o.kind)) ?? fromRevision?.resource;
    if (!resource) {
      errors.push({ ...whereOf(m, { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }), reason: "UnknownKind", message: `the server does not serve kind ${o.kind} in ${o.apiVersion}` });
      continue;
    }
    const namespace = resource.namespaced ? (o.metadata.namespace ?? opts.defaultNamespace) : undefined;
    const ref: ObjectRef = { apiVersion: o.apiVersion, kind: o.kind, ...(namespace ? { namespace } : {}), name: o.metadata.name };
    const metadata = { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SOURCE_LABEL]: opts.source }, annotations: { ...(o.metadata.annotations ?? {}), [REVISION_ANNOTATION]: opts.sha } };
    if (namespace) metadata.namespace = namespace;
    else delete metadata.namespace;
    const awaitsCrd = fromRevision && !mapper.cached(o.apiVersion, o.kind) ? fromRevision.crd : undefined;
    objects.push({ manifest: m, ref, key: objectKey(ref), resource, body: { ...o, metadata }, ...(awaitsCrd ? { awaitsCrd } : {}) });
  }
  return { objects, errors };
}

/**
 * git-sync manages what it created. An object another GitRepository owns (its source label) is
 * never taken over; an existing object nobody owns only when it carries the adopt annotation.
 */
export function ownershipConflicts(objects: PreparedObject[], live: Map<string, LiveObject>, source: string): SyncError[] {
  const errors: SyncError[] = [];
  for (const p of objects) {
    const l = live.get(p.key);
    if (!l || isOwnedBy(l.metadata.labels, source)) continue;
    const other = l.metadata.labels?.[SOURCE_LABEL];
    if (other && other !== source) {
      errors.push({ ...whereOf(p.manifest, p.ref), reason: "OwnershipConflict", message: `${p.ref.kind} ${display(p.ref)} is managed by GitRepository ${other}` });
    } else if (l.metadata.annotations?.[ADOPT_ANNOTATION] !== "true") {
      errors.push({
        ...whereOf(p.manifest, p.ref),
        reason: "AdoptionRefused",
        message: `${p.ref.kind} ${display(p.ref)} already exists and was not created by git-sync; to let git-sync manage it, annotate it ${ADOPT_ANNOTATION}=true`,
      });
    }
  }
  return errors;
}

/**
 * The body applied for an object: a Namespace git-sync creates (or created) carries the
 * created-by annotation, so that prune can tell it from one it adopted.
 */
export function applyBody(p: PreparedObject, before: LiveObject | undefined): ManifestObject {
  if (p.ref.kind !== "Namespace" || p.ref.apiVersion !== "v1") return p.body;
  const source = p.body.metadata.labels?.[SOURCE_LABEL];
  if (!source || (before && before.metadata.annotations?.[CREATED_BY_ANNOTATION] !== source)) return p.body;
  return { ...p.body, metadata: { ...p.body.metadata, annotations: { ...p.body.metadata.annotations, [CREATED_BY_ANNOTATION]: source } } };
}

/**
 * Live state of objects: per-object GETs for a few, one list per resource and namespace for many
 * (a repository's account may read only its namespaces). With `denied`, an object the account may
 * not read is recorded there (by key) instead of failing the whole call.
 */
export async function fetchLive(client: ApiClient, items: Array<{ ref: ObjectRef; resource: ResourceRef }>, signal?: AbortSignal, denied?: Map<string, ApiStatusError>): Promise<Map<string, LiveObject>> {
  const live = new Map<string, LiveObject>();
  const groups = new Map<string, Array<{ ref: ObjectRef; resource: ResourceRef }>>();
  for (const it of items) {
    const k = `${it.resource.group}/${it.resource.plural}/${it.ref.namespace ?? ""}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(it);
  }
  const getEach = (group: Array<{ ref: ObjectRef; resource: ResourceRef }>) =>
    mapLimit(group, 16, async ({ ref, resource }) => {
      try {
        const obj = await client.get<LiveObject>(resource, ref.namespace, ref.name, { signal }).catch(ignoreNotFound);
        if (obj) live.set(objectKey(ref), obj);
      } catch (err) {
        if (!denied || !isForbidden(err)) throw err;
        denied.set(objectKey(ref), err as ApiStatusError);
      }
    });
  await Promise.all(
    [...groups.values()].map(async (group) => {
      if (group.length <= 16) return getEach(group);
      const wanted = new Set(group.map((g) => objectKey(g.ref)));
      const { resource, ref } = group[0]!;
      let list;
      try {
        list = await client.listAll<LiveObject>(resource, ref.namespace, { limit: 2000, signal });
      } catch (err) {
        // Not allowed to list: each object then says for itself whether it may be read.
        if (denied && isForbidden(err)) return getEach(group);
        throw err;
      }
      const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
      for (const item of list.items) {
        const key = objectKey({ apiVersion, kind: resource.kind ?? "", namespace: item.metadata.namespace, name: item.metadata.name });
        if (wanted.has(key)) live.set(key, item);
      }
    }),
  );
  return live;
}

export const isForbidden = (err: unknown): boolean => err instanceof ApiStatusError && err.code === 403;

/**
 * Errors that say nothing about the object (no answer, server overloaded or failing): the run
 * stops and is retried with backoff instead of blaming the manifest.
 */
export function isTransient(err: unknown): boolean {
  if ((err as Error)?.name === "AbortError") return true;
  if (!(err instanceof ApiStatusError)) return true;
  return err.code >= 500 || err.code === 429;
}

/** Turns an API error into SyncErrors at the manifest's file and line (the field's line when known). */
export function apiErrors(p: PreparedObject, err: unknown): SyncError[] {
  const base = whereOf(p.manifest, p.ref);
  if (!(err instanceof ApiStatusError)) return [{ ...base, reason: "RequestFailed", message: String((err as Error)?.message ?? err) }];
  const causes = err.details?.causes ?? [];
  if (causes.length === 0) return [{ ...base, reason: err.reason, message: err.message }];
  return causes.map((c) => {
    const line = c.field && p.manifest.fieldLine ? p.manifest.fieldLine(parseFieldPath(c.field)) : undefined;
    return { ...base, ...(line ? { line } : {}), reason: err.reason, message: `${c.field ? c.field + ": " : ""}${c.message ?? err.message}` };
  });
}

/**
 * Validates every object with a server-side dry-run apply. Objects in a namespace that this
 * revision creates (and that does not exist yet) are validated in "default" instead.
 */
export async function dryRunAll(
  client: ApiClient,
  objects: PreparedObject[],
  existingNamespaces: Set<string>,
  live: Map<string, LiveObject>,
  concurrency = 16,
  signal?: AbortSignal,
): Promise<SyncError[]> {
  // Custom resources of a CRD this revision brings are dry-run once it is established (applyAll).
  const errors = await mapLimit(objects.filter((p) => !p.awaitsCrd), concurrency, async (p) => {
    let ns = p.ref.namespace;
    let body = p.body;
    if (ns && !existingNamespaces.has(ns) && objects.some((o) => o.ref.kind === "Namespace" && o.ref.name === ns)) {
      ns = "default";
      body = { ...body, metadata: { ...body.metadata, namespace: "default" } };
    }
    try {
      // A new object validates as a dry-run create (cheaper for the server, same checks);
      // an existing one as a dry-run apply, which validates the merged result.
      if (live.has(p.key)) await client.patch(p.resource, ns, p.ref.name, body, "apply", { fieldManager: FIELD_MANAGER, force: true, dryRun: true, fieldValidation: "Strict", signal });
      else await client.create(p.resource, ns, body, { fieldManager: FIELD_MANAGER, dryRun: true, fieldValidation: "Strict", signal });
      return [];
    } catch (err) {
      if (isTransient(err)) throw err;
      return apiErrors(p, err);
    }
  });
  return errors.flat();
}

export interface ApplyResult {
  /** Applied objects as the server returned them, by key. */
  applied: Map<string, LiveObject>;
  created: number;
  configured: number;
  unchanged: number;
  errors: SyncError[];
}

/**
 * Server-side apply in stages (Namespaces, config, Services, workloads, rest); concurrent within a
 * stage. Objects `skip` says are unchanged since the last applied revision are not written.
 */
export async function applyAll(
  client: ApiClient,
  objects: PreparedObject[],
  live: Map<string, LiveObject>,
  concurrency = 16,
  signal?: AbortSignal,
  skip: (p: PreparedObject, live: LiveObject | undefined) => boolean = () => false,
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: new Map(), created: 0, configured: 0, unchanged: 0, errors: [] };
  for (const all of applyStages(objects, (p) => p.ref)) {
    const stage = await readyForApply(client, all, concurrency, result, signal);
    await mapLimit(stage, concurrency, async (p) => {
      try {
        const before = live.get(p.key);
        if (skip(p, before)) {
          result.unchanged++;
          return;
        }
        const out = await client.patch<LiveObject>(p.resource, p.ref.namespace, p.ref.name, applyBody(p, before), "apply", { fieldManager: FIELD_MANAGER, force: true, signal });
        result.applied.set(p.key, out);
        if (!before) result.created++;
        else if (before.metadata.resourceVersion === out.metadata.resourceVersion) result.unchanged++;
        else result.configured++;
      } catch (err) {
        if (isTransient(err)) throw err;
        result.errors.push(...apiErrors(p, err));
      }
    });
  }
  return result;
}

/**
 * The objects of a stage that may be applied now: custom resources waiting for a CRD of this
 * revision go once it is Established and they pass the dry run they could not have before.
 */
async function readyForApply(client: ApiClient, stage: PreparedObject[], concurrency: number, result: ApplyResult, signal?: AbortSignal): Promise<PreparedObject[]> {
  const waiting = stage.filter((p) => p.awaitsCrd);
  if (waiting.length === 0) return stage;
  const notEstablished = await waitEstablished(client, [...new Set(waiting.map((p) => p.awaitsCrd!))], { timeoutMs: CRD_ESTABLISH_TIMEOUT_MS, signal });
  const ready: PreparedObject[] = stage.filter((p) => !p.awaitsCrd);
  for (const p of waiting) {
    const why = notEstablished.get(p.awaitsCrd!);
    if (why) result.errors.push({ ...whereOf(p.manifest, p.ref), reason: "CRDNotEstablished", message: `CustomResourceDefinition ${p.awaitsCrd} of this revision is not established (${why}); ${p.ref.kind} ${display(p.ref)} was not applied` });
  }
  const candidates = waiting.filter((p) => !notEstablished.has(p.awaitsCrd!));
  const errors = await mapLimit(candidates, concurrency, async (p) => {
    try {
      await client.patch(p.resource, p.ref.namespace, p.ref.name, p.body, "apply", { fieldManager: FIELD_MANAGER, force: true, dryRun: true, fieldValidation: "Strict", signal });
      return [];
    } catch (err) {
      if (isTransient(err)) throw err;
      return apiErrors(p, err);
    }
  });
  candidates.forEach((p, i) => (errors[i]!.length ? result.errors.push(...errors[i]!) : ready.push(p)));
  return ready;
}

/** How long a revision's custom resources wait for their CRD to be Established. */
const CRD_ESTABLISH_TIMEOUT_MS = 30_000;

/** Deletes objects in the given order (reverse apply order); NotFound counts as deleted. */
export async function deleteAll(
  client: ApiClient,
  mapper: RestMapper,
  refs: ObjectRef[],
  signal?: AbortSignal,
): Promise<{ deleted: ObjectRef[]; failed: Array<{ ref: ObjectRef; message: string }> }> {
  const deleted: ObjectRef[] = [];
  const failed: Array<{ ref: ObjectRef; message: string }> = [];
  for (const ref of refs) {
    const resource = await mapper.resourceFor(ref.apiVersion, ref.kind);
    if (!resource) {
      failed.push({ ref, message: `the server does not serve kind ${ref.kind} in ${ref.apiVersion}` });
      continue;
    }
    try {
      await client.delete(resource, ref.namespace, ref.name, { propagationPolicy: "Background", signal });
      deleted.push(ref);
    } catch (err) {
      if (isNotFound(err)) deleted.push(ref);
      else if ((err as Error)?.name === "AbortError") throw err;
      else failed.push({ ref, message: String((err as Error)?.message ?? err) });
    }
  }
  return { deleted, failed };
}

export function display(ref: { namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}
