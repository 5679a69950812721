// The generic registry: get, list, create, update, patch and delete for any ResourceType on top
// of the Store, with Kubernetes' rules for metadata (uid, resourceVersion, generation,
// creationTimestamp, generateName), optimistic concurrency, dry run, finalizers and graceful
// deletion. Per-kind rules come from the kind's strategy (./strategies). HTTP-free: the resource
// handlers (resources.ts) and internal callers use it alike.
import { randomUUID } from "node:crypto";
import type { KObject, ResourceType } from "../../api/resource";
import { rfc3339 } from "../../api/time";
import { StoreConflictError, type Store } from "../storage/store";
import { decode, encode, storedJson } from "./codec";
import { ApiError, alreadyExists, badRequest, conflict, forbidden, invalid, notFound } from "./errors";
import { updateManagedFields } from "./field-manager";
import { fieldValue, storageKey } from "./keys";
import { matchesFields, matchesLabels, type FieldRequirement, type LabelSelector } from "./selectors";
import type { DeleteOptions, FinishWrite, Strategies, Strategy } from "./strategies";
import { sameObject } from "./same-json";
import { randomSuffix, withNameRetries } from "./generate-name";
import { fillAlwaysSerialized } from "./serialized-defaults";
import { admissionAttributes } from "./admission/attributes";
import type { WriteOptions, WriteResult } from "./write-options";
import { CachedReads } from "./watchcache/reads";
import { cachedText, type CachedObject } from "./watchcache/cache";
import { cachedWithoutManagedFields } from "./watchcache/text";
import { SharedObjects } from "./shared-objects";

export type { DeleteOptions, FinishWrite, WriteHooks } from "./strategies";
export type { WriteOptions, WriteResult } from "./write-options";
const noFinish: FinishWrite = async () => {};

/** Runs `write` between a begun hook and its finish, finishing with whether it succeeded. */
async function finishing<T>(finish: FinishWrite, write: () => Promise<T>): Promise<T> {
  const result = await write().catch(async (e: unknown) => {
    await finish(false);
    throw e;
  });
  await finish(true);
  return result;
}

export interface ListQuery {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continueToken?: string;
  /** Unset: the current state (a consistent read); "0": any; see watchcache/resource-version.ts. */
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListOutcome {
  items: KObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** A list as JSON text: each object's UTF-8 bytes as the watch cache holds them (see listJson). */
export interface ListJson extends Omit<ListOutcome, "items"> {
  items: readonly Buffer[];
}


export class Registry {
  /** GET and LIST from the watch caches (or the store, as the resourceVersion rules say). */
  private readonly reads: CachedReads;
  /** getShared's parsed objects. */
  private readonly shared = new SharedObjects();

  constructor(
    readonly store: Store,
    private readonly strategies: Strategies,
  ) {
    this.reads = new CachedReads(store);
  }

  /**
   * What admission reads on a create (the Namespace: is it there, is it terminating, its Pod
   * Security labels; the pod's ServiceAccount), as Kubernetes' admission plugins read them from
   * informers and look the store up only when the informer has no such object: the watch cache
   * whatever it holds ("0"), else a consistent read. On SQLite (watchBeforeAck) the cache is
   * never behind an acknowledged write, so this is exactly a store read; on etcd a change to a
   * namespace counts from the create its watch event has reached (milliseconds later), and no
   * create pays an etcd round trip for a namespace it already knows.
   */
  private async admissionRead(rt: ResourceType, ns: string | undefined, name: string): Promise<CachedObject | undefined> {
    return (await this.reads.get(rt, ns, name, "0")) ?? (await this.reads.get(rt, ns, name));
  }

  /** The object (resourceVersion: unset = the current state, "0" = any, N = not older than N). */
  async get(rt: ResourceType, ns: string | undefined, name: string, resourceVersion?: string): Promise<KObject> {
    return JSON.parse(await this.getJson(rt, ns, name, resourceVersion)) as KObject;
  }

  /** The object as JSON text, as the watch cache (or the store) holds it: never decoded and encoded again. */
  async getJson(rt: ResourceType, ns: string | undefined, name: string, resourceVersion?: string): Promise<string> {
    const found = await this.reads.get(rt, ns, name, resourceVersion);
    if (!found) throw notFound(rt.plural, rt.group, name);
    return cachedText(found);
  }

  async tryGet(rt: ResourceType, ns: string | undefined, name: string): Promise<KObject | undefined> {
    const found = await this.reads.get(rt, ns, name);
    return found && (JSON.parse(cachedText(found)) as KObject);
  }

  /**
   * The object for reads that only look (admission reading a new pod's Namespace and
   * ServiceAccount, through admissionRead): parsed once per version (its revision) and shared,
   * deep-frozen, so the per-pod reads do not parse the same JSON again and again.
   */
  async getShared(rt: ResourceType, ns: string | undefined, name: string): Promise<Readonly<KObject> | undefined> {
    return this.shared.of(storageKey(rt, ns, name), await this.admissionRead(rt, ns, name));
  }

  /**
   * The objects, decoded. `managedFields: false` leaves metadata.managedFields out of them (cut
   * from the text before decoding, about half of the work): for readers that never look at it.
   */
  async list(rt: ResourceType, ns: string | undefined, q: ListQuery = {}, opts: { managedFields?: boolean } = {}): Promise<ListOutcome> {
    const out = await this.reads.list(rt, ns, q);
    const decode = opts.managedFields === false ? (o: CachedObject) => JSON.parse(cachedWithoutManagedFields(o)) as KObject : (o: CachedObject) => JSON.parse(cachedText(o)) as KObject;
    return { ...out, items: out.items.map(decode) };
  }

  /**
   * The list as JSON text: the objects' UTF-8 bytes as the watch cache holds them (resourceVersion
   * in), the same objects in the same order as list() returns, so a large list is neither
   * decoded and encoded again nor one giant string.
   */
  async listJson(rt: ResourceType, ns: string | undefined, q: ListQuery = {}): Promise<ListJson> {
    const { items: objects, ...meta } = await this.reads.list(rt, ns, q);
    return { ...meta, items: objects.map((o) => o.bytes) };
  }

  matches(rt: ResourceType, obj: KObject, q: Pick<ListQuery, "labelSelector" | "fieldSelector">): boolean {
    if (q.labelSelector?.length && !matchesLabels(q.labelSelector, obj.metadata.labels)) return false;
    if (q.fieldSelector?.length && !matchesFields(q.fieldSelector, (f) => fieldValue(rt, obj, f))) return false;
    return true;
  }

  create(rt: ResourceType, ns: string | undefined, body: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    return withNameRetries(body, () => this.createOnce(rt, ns, body, opts));
  }

  private async createOnce(rt: ResourceType, ns: string | undefined, body: KObject, opts: WriteOptions): Promise<WriteResult> {
    // Only the top level and metadata change before validation, which returns a deep copy of
    // its own (every ResourceType.validate does): no deep clone of the body here.
    const obj: KObject = { ...body, metadata: { ...body.metadata } };
    if (rt.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      obj.metadata.namespace = ns ?? obj.metadata.namespace ?? "default";
    } else {
      delete obj.metadata.namespace;
    }
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = obj.metadata.generateName + randomSuffix();
    }
    const { object: valid, warnings } = this.validate(rt, obj, opts);
    if (rt.namespaced) await this.checkNamespace(rt, valid.metadata.namespace!, valid.metadata.name!);
    const now = rfc3339();
    valid.metadata.uid = randomUUID();
    valid.metadata.creationTimestamp = now;
    valid.metadata.generation = 1;
    delete valid.metadata.deletionTimestamp;
    delete valid.metadata.deletionGracePeriodSeconds;
    const strategy = this.strategies.of(rt);
    strategy.prepareForCreate(valid);
    fillAlwaysSerialized(rt, valid);
    await strategy.admit(valid, undefined, admissionAttributes("CREATE", opts, warnings));
    const finish = (await strategy.beginCreate?.(valid, { dryRun: Boolean(opts.dryRun) })) ?? noFinish;
    return finishing(finish, () => this.writeCreated(rt, valid, warnings, now, opts));
  }

  private async writeCreated(rt: ResourceType, valid: KObject, warnings: string[], now: string, opts: WriteOptions): Promise<WriteResult> {
    if (!opts.applyManaged) valid.metadata.managedFields = updateManagedFields({
      before: undefined,
      after: valid,
      manager: opts.fieldManager ?? "unknown",
      operation: "Update",
      apiVersion: valid.apiVersion,
      now,
      schema: rt.jsonSchema,
    }).metadata.managedFields;
    if (opts.dryRun) {
      if (await this.store.get(storageKey(rt, valid.metadata.namespace, valid.metadata.name!))) {
        throw alreadyExists(rt.plural, rt.group, valid.metadata.name!);
      }
      return { object: valid, warnings };
    }
    try {
      const stored = await this.store.create(storageKey(rt, valid.metadata.namespace, valid.metadata.name!), encode(valid));
      valid.metadata.resourceVersion = String(stored.modRevision);
      return { object: valid, warnings, json: storedJson(stored) };
    } catch (e) {
      if (e instanceof StoreConflictError) throw alreadyExists(rt.plural, rt.group, valid.metadata.name!);
      throw e;
    }
  }

  /** Validate and default a full object; errors become 422 Invalid (or 400 for unknown fields). */
  private validate(rt: ResourceType, obj: KObject, opts: WriteOptions): { object: KObject; warnings: string[] } {
    const res = rt.validate(obj, opts.fieldValidation ?? "Strict");
    const unknown = res.errors.filter((c) => c.reason === "FieldValueUnknown");
    if (unknown.length > 0) {
      throw new ApiError(
        400,
        "BadRequest",
        `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ` +
          unknown.map((c) => `unknown field "${c.field}"`).join(", "),
      );
    }
    if (res.errors.length > 0 || !res.object) {
      throw invalid(rt.kind, rt.group, obj.metadata?.name ?? obj.metadata?.generateName ?? "", res.errors);
    }
    return { object: res.object, warnings: [...res.warnings] };
  }

  /** NamespaceLifecycle admission: the namespace exists and is not being terminated. */
  private async checkNamespace(rt: ResourceType, ns: string, name: string): Promise<void> {
    const found = await this.admissionRead(this.strategies.namespaces, undefined, ns);
    if (!found) throw notFound("namespaces", "", ns);
    // Only a namespace being deleted needs a closer look (this runs on every namespaced create).
    const text = cachedText(found);
    if (text.includes('"deletionTimestamp"') && (JSON.parse(text) as KObject).metadata.deletionTimestamp) {
      throw forbidden(rt.plural, rt.group, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  /**
   * Replace an object (PUT). With subresource "status" only the status changes; on the main
   * resource the status is kept (for types with a status subresource). A stale
   * metadata.resourceVersion is a 409 Conflict.
   */
  async update(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: KObject,
    opts: WriteOptions = {},
  ): Promise<WriteResult> {
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (rt.namespaced && body.metadata?.namespace && ns && body.metadata.namespace !== ns) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    const key = storageKey(rt, ns, name);
    const stored = await this.store.get(key);
    if (!stored) throw notFound(rt.plural, rt.group, name);
    const old = decode(stored);
    if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    return this.commitUpdate(rt, old, stored.modRevision, body, opts);
  }

  /** Validate, carry server-owned fields over from old, and write at old's revision. */
  private async commitUpdate(rt: ResourceType, old: KObject, revision: number, body: KObject, opts: WriteOptions): Promise<WriteResult> {
    const strategy = this.strategies.of(rt);
    let valid = body;
    let warnings: string[] = [];
    if (!opts.storageOnly) {
      const merged = strategy.prepareForUpdate(structuredClone(body), old, opts.subresource);
      ({ object: valid, warnings } = this.validate(rt, merged, opts));
      const causes = strategy.validateUpdate(valid, old);
      if (causes.length > 0) throw invalid(rt.kind, rt.group, old.metadata.name!, causes);
    }
    await strategy.admit(valid, old, admissionAttributes("UPDATE", opts, warnings));
    const finish = (await strategy.beginUpdate?.(valid, old, { dryRun: Boolean(opts.dryRun) })) ?? noFinish;
    return finishing(finish, () => this.writeUpdated(rt, strategy, old, revision, valid, warnings, opts));
  }

  private async writeUpdated(rt: ResourceType, strategy: Strategy, old: KObject, revision: number, valid: KObject, warnings: string[], opts: WriteOptions): Promise<WriteResult> {
    const name = old.metadata.name!;
    for (const f of ["uid", "creationTimestamp", "namespace", "name"] as const) {
      if (old.metadata[f] !== undefined) valid.metadata[f] = old.metadata[f] as string;
    }
    valid.metadata.generation = (old.metadata.generation ?? 1) + (rt.specChanged?.(valid, old) ? 1 : 0);
    if (old.metadata.deletionTimestamp) {
      valid.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      valid.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else if (valid.metadata.deletionTimestamp) {
      delete valid.metadata.deletionTimestamp;
    }
    valid.metadata.resourceVersion = old.metadata.resourceVersion;
    if (sameObject(valid, old)) return { object: old, warnings };
    const now = rfc3339();
    if (!opts.applyManaged && !opts.storageOnly) valid.metadata.managedFields = updateManagedFields({
      before: old,
      after: valid,
      manager: opts.fieldManager ?? "unknown",
      operation: "Update",
      apiVersion: valid.apiVersion,
      now,
      subresource: opts.subresource,
      schema: rt.jsonSchema,
    }).metadata.managedFields;
    if (opts.dryRun) return { object: valid, warnings };
    const key = storageKey(rt, old.metadata.namespace, name);
    try {
      if (valid.metadata.deletionTimestamp && !strategy.hasFinalizers(valid)) {
        // The last finalizer is gone from an object being deleted: it goes now.
        const gone = await this.store.delete(key, revision);
        await strategy.afterDelete?.(valid);
        return { object: { ...valid, metadata: { ...valid.metadata, resourceVersion: String(gone.modRevision) } }, warnings };
      }
      const stored = await this.store.update(key, encode(valid), revision);
      valid.metadata.resourceVersion = String(stored.modRevision);
      return { object: valid, warnings, json: storedJson(stored) };
    } catch (e) {
      if (e instanceof StoreConflictError) {
        if (e.reason === "notfound") throw notFound(rt.plural, rt.group, name);
        throw conflict(rt.plural, rt.group, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      throw e;
    }
  }

  /**
   * Read-modify-write with retry on revision conflicts (as the API server does for PATCH):
   * `mutate` gets the live object (undefined when absent) and returns the new full object.
   */
  async modify(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    mutate: (live: KObject | undefined) => Promise<KObject> | KObject,
    opts: WriteOptions & { createIfMissing?: boolean },
  ): Promise<WriteResult & { created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = storageKey(rt, ns, name);
      const stored = await this.store.get(key);
      if (!stored) {
        if (!opts.createIfMissing) throw notFound(rt.plural, rt.group, name);
        const obj = await mutate(undefined);
        try {
          return { ...(await this.create(rt, ns, obj, opts)), created: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === "AlreadyExists" && attempt < 5) continue;
          throw e;
        }
      }
      const live = decode(stored);
      const next = await mutate(structuredClone(live));
      try {
        return { ...(await this.commitUpdate(rt, live, stored.modRevision, next, opts)), created: false };
      } catch (e) {
        if (e instanceof ApiError && e.reason === "Conflict" && attempt < 5 && !next.metadata.resourceVersion) continue;
        if (e instanceof ApiError && e.reason === "Conflict" && attempt < 5 && next.metadata.resourceVersion === live.metadata.resourceVersion) continue;
        throw e;
      }
    }
  }

  async delete(rt: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const key = storageKey(rt, ns, name);
      const stored = await this.store.get(key);
      if (!stored) throw notFound(rt.plural, rt.group, name);
      const obj = decode(stored);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw conflict(rt.plural, rt.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
      }
      const plan = this.strategies.of(rt).planDelete(obj, opts);
      if (opts.dryRun) return plan.update ?? obj;
      try {
        if (plan.update) {
          return decode(await this.store.update(key, encode(plan.update), stored.modRevision));
        }
        const gone = await this.store.delete(key, stored.modRevision);
        await this.strategies.of(rt).afterDelete?.(obj);
        return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(gone.modRevision) } };
      } catch (e) {
        if (e instanceof StoreConflictError && attempt < 5) continue;
        if (e instanceof StoreConflictError) throw conflict(rt.plural, rt.group, name, "the object has been modified; please apply your changes to the latest version and try again");
        throw e;
      }
    }
  }
}
