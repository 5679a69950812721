// FakeClient: an ApiClient for unit tests, in the spirit of client-go's fake clientset. Objects
// live in memory (fake-tracker.ts, with the API server's resourceVersion, conflict and deletion
// rules); every call is recorded as an Action so a test can count creates, updates, deletes and
// status writes; reactors run before the tracker and can answer a call instead (inject a Conflict
// on the first update, fail every pod create). Informers can run on it: list and watch work.
import type { KObject } from "../api/resource";
import { ApiStatusError, type ApiStatus } from "./errors";
import { applyPatch } from "./fake-patch";
import { selectorMatcher } from "./fake-selector";
import { ObjectTracker, resourceName, type StoredObject, type TrackerEvent } from "./fake-tracker";
import { SharedInformers } from "./informer-factory";
import type { ApiClient } from "./rest";
import * as resources from "./resources";
import type { ResourceRef } from "./resources";
import type { DeleteOptions, GetOptions, ListOptions, ObjectList, ObjectWithMeta, PatchOptions, PatchType, RawOptions, WriteOptions } from "./types";
import type { WatchEvent, WatchOptions, WatchResult } from "./watch";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

/** One recorded call (client-go's testing.Action). */
export interface Action {
  verb: Verb;
  /** The plural: "pods", "replicasets". */
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The body sent (create, update, binding), or the patch. */
  object?: unknown;
  patchType?: PatchType;
  /** The call's options (dryRun, fieldManager, force, preconditions, propagationPolicy, selectors...). */
  options?: Record<string, unknown>;
}

export type ActionFilter = Partial<Pick<Action, "verb" | "resource" | "namespace" | "name" | "subresource">>;

/** What a reactor answers: undefined = not handled (the next reactor, then the tracker, runs). */
export type Reaction = { error: unknown } | { object: unknown } | undefined;
export type Reactor = (action: Action) => Reaction;

/** Kinds kubelab serves, for seeding objects by their kind. */
const KNOWN: ResourceRef[] = Object.values(resources).filter((v): v is ResourceRef => typeof v === "object" && v !== null && "plural" in v);

export class FakeClient implements ApiClient {
  readonly server = "fake://";
  readonly tracker = new ObjectTracker();
  private recorded: Action[] = [];
  private readonly reactors: Array<{ verb: Verb | "*"; resource: string; fn: Reactor }> = [];

  /** Seeds objects (by apiVersion/kind) without recording actions, as NewSimpleClientset(objs...). */
  constructor(...objects: ObjectWithMeta[]) {
    for (const obj of objects) this.add(obj);
  }

  /** Seeds one object as given (a deleting one keeps its deletionTimestamp); res is found from its kind when not given. */
  add<T extends ObjectWithMeta>(obj: T, res: ResourceRef = refForKind(obj)): T {
    return this.tracker.seed(res, obj.metadata?.namespace, obj) as unknown as T;
  }

  /** The stored object (a copy), or undefined; not recorded. */
  object<T = StoredObject>(res: ResourceRef, ns: string | undefined, name: string): T | undefined {
    try {
      return this.tracker.get(res, ns, name) as T;
    } catch {
      return undefined;
    }
  }

  /** The stored objects of a resource (copies); not recorded. */
  objects<T = StoredObject>(res: ResourceRef, ns?: string): T[] {
    return this.tracker.list(res, ns) as T[];
  }

  /** Every recorded call, or those matching filter, in order. */
  actions(filter: ActionFilter = {}): Action[] {
    return this.recorded.filter((a) => Object.entries(filter).every(([k, v]) => v === undefined || a[k as keyof Action] === v));
  }

  /** Creates of resource (not subresources such as pods/binding). */
  creates(resource?: string): Action[] {
    return this.recorded.filter((a) => a.verb === "create" && !a.subresource && (!resource || a.resource === resource));
  }

  /** Updates and patches of the main resource. */
  updates(resource?: string): Action[] {
    return this.recorded.filter((a) => (a.verb === "update" || a.verb === "patch") && !a.subresource && (!resource || a.resource === resource));
  }

  deletes(resource?: string): Action[] {
    return this.actions({ verb: "delete", resource });
  }

  /** Updates and patches of the status subresource. */
  statusWrites(resource?: string): Action[] {
    return this.recorded.filter((a) => (a.verb === "update" || a.verb === "patch") && a.subresource === "status" && (!resource || a.resource === resource));
  }

  /** Everything but get, list and watch. */
  writes(): Action[] {
    return this.recorded.filter((a) => a.verb !== "get" && a.verb !== "list" && a.verb !== "watch");
  }

  clearActions(): void {
    this.recorded = [];
  }

  /** Runs fn first for calls of verb on resource ("*" matches any). */
  prependReactor(verb: Verb | "*", resource: string, fn: Reactor): void {
    this.reactors.unshift({ verb, resource, fn });
  }

  /** The next `times` calls of verb on resource fail with error (e.g. newConflict(...)). */
  failNext(verb: Verb | "*", resource: string, error: unknown, times = 1): void {
    let left = times;
    this.prependReactor(verb, resource, () => (left-- > 0 ? { error } : undefined));
  }

  async get<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts: GetOptions = {}): Promise<T> {
    return this.call({ verb: "get", ...at(res, ns, name), options: withoutSignal(opts) }, () => this.tracker.get(res, ns, name)) as Promise<T>;
  }

  async list<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.call({ verb: "list", ...at(res, ns), options: withoutSignal(opts) }, () => {
      const match = selectorMatcher(opts.labelSelector, opts.fieldSelector);
      return { metadata: { resourceVersion: String(this.tracker.revision()) }, items: this.tracker.list(res, ns).filter(match) };
    }) as Promise<ObjectList<T>>;
  }

  listAll<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.list<T>(res, ns, opts);
  }

  async create<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.call({ verb: "create", ...at(res, ns, body.metadata?.name), object: body, options: withoutSignal(opts) }, () =>
      opts.dryRun ? structuredClone(body) : this.tracker.create(res, ns, body),
    ) as Promise<T>;
  }

  async update<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.call({ verb: "update", ...at(res, ns, body.metadata?.name), object: body, options: withoutSignal(opts) }, () =>
      opts.dryRun ? structuredClone(body) : this.tracker.update(res, ns, body),
    ) as Promise<T>;
  }

  async updateStatus<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.call({ verb: "update", ...at(res, ns, body.metadata?.name), subresource: "status", object: body, options: withoutSignal(opts) }, () =>
      this.tracker.update(res, ns, body, "status"),
    ) as Promise<T>;
  }

  async getSubresource<R>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, opts: GetOptions = {}): Promise<R> {
    return this.call({ verb: "get", ...at(res, ns, name), subresource, options: withoutSignal(opts) }, () => {
      if (subresource === "status") return this.tracker.get(res, ns, name);
      throw new Error(`fake: GET of subresource ${resourceName(res)}/${subresource} is not supported`);
    }) as Promise<R>;
  }

  async putSubresource<B, R = B>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: B, opts: WriteOptions = {}): Promise<R> {
    return this.call({ verb: "update", ...at(res, ns, name), subresource, object: body, options: withoutSignal(opts) }, () => {
      const obj = { ...(body as ObjectWithMeta), metadata: { ...(body as ObjectWithMeta).metadata, name } };
      if (subresource === "status") return this.tracker.update(res, ns, obj, "status");
      // namespaces/finalize: the spec (its finalizers) is what changes.
      if (subresource === "finalize") return this.tracker.update(res, ns, { ...this.tracker.get(res, ns, name), spec: (body as { spec?: unknown }).spec });
      throw new Error(`fake: PUT of subresource ${resourceName(res)}/${subresource} is not supported`);
    }) as Promise<R>;
  }

  async patchSubresource<R>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: unknown, type: PatchType, opts: PatchOptions = {}): Promise<R> {
    return this.call({ verb: "patch", ...at(res, ns, name), subresource, object: body, patchType: type, options: withoutSignal(opts) }, () => {
      if (subresource !== "status") throw new Error(`fake: PATCH of subresource ${resourceName(res)}/${subresource} is not supported`);
      return this.tracker.update(res, ns, this.patched(res, ns, name, body, type), "status");
    }) as Promise<R>;
  }

  async patch<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, body: unknown, type: PatchType, opts: PatchOptions = {}): Promise<T> {
    if (type === "apply" && !opts.fieldManager) throw new Error("server-side apply needs a fieldManager");
    return this.call({ verb: "patch", ...at(res, ns, name), object: body, patchType: type, options: withoutSignal(opts) }, () => {
      // Server-side apply creates what is missing.
      if (type === "apply" && !this.object(res, ns, name)) {
        return opts.dryRun ? body : this.tracker.create(res, ns, { ...(body as ObjectWithMeta), metadata: { ...(body as ObjectWithMeta).metadata, name } });
      }
      const next = this.patched(res, ns, name, body, type);
      return opts.dryRun ? next : this.tracker.update(res, ns, next);
    }) as Promise<T>;
  }

  async delete<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | ApiStatus> {
    return this.call({ verb: "delete", ...at(res, ns, name), options: withoutSignal(opts) }, () =>
      opts.dryRun ? this.tracker.get(res, ns, name) : this.tracker.delete(res, ns, name, opts),
    ) as Promise<T | ApiStatus>;
  }

  /** Sets spec.nodeName as the binding subresource does (Conflict when already assigned). */
  async createBinding(ns: string, pod: string, nodeName: string, opts: WriteOptions & { podUid?: string } = {}): Promise<ApiStatus> {
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: pod, namespace: ns, ...(opts.podUid ? { uid: opts.podUid } : {}) }, target: { apiVersion: "v1", kind: "Node", name: nodeName } };
    return this.call({ verb: "create", ...at(resources.pods, ns, pod), subresource: "binding", object: binding, options: withoutSignal(opts) }, () => {
      const live = this.tracker.get(resources.pods, ns, pod) as StoredObject & { spec?: { nodeName?: string } };
      if (opts.podUid && live.metadata.uid !== opts.podUid) throw new Error(`fake: binding for uid ${opts.podUid}, pod has ${live.metadata.uid}`);
      if (live.metadata.deletionTimestamp) throw conflict(`pod ${pod} is being deleted, cannot be assigned to a host`);
      if (live.spec?.nodeName) throw conflict(`pod ${pod} is already assigned to node "${live.spec.nodeName}"`);
      this.tracker.update(resources.pods, ns, { ...live, spec: { ...live.spec, nodeName } });
      return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 } satisfies ApiStatus;
    }) as Promise<ApiStatus>;
  }

  /** Replays changes after opts.resourceVersion (all objects as ADDED without one), then follows live ones until signal aborts. */
  async watch<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void | Promise<void>): Promise<WatchResult> {
    await this.call({ verb: "watch", ...at(res, ns), options: withoutSignal(opts) }, () => undefined);
    return followWatch(this.tracker, res, ns, opts, onEvent as (ev: WatchEvent<ObjectWithMeta>) => void | Promise<void>);
  }

  async raw<R = unknown>(method: string, path: string, _body?: unknown, _opts?: RawOptions): Promise<R> {
    throw new Error(`fake: raw ${method} ${path} is not supported`);
  }

  private patched(res: ResourceRef, ns: string | undefined, name: string, body: unknown, type: PatchType): StoredObject {
    const live = this.tracker.get(res, ns, name);
    const next = applyPatch(live, body, type) as StoredObject;
    // A resourceVersion in the patch is a precondition (the server checks it); otherwise the live one.
    const rv = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
    next.metadata = { ...next.metadata, name, resourceVersion: type !== "json" && rv ? rv : live.metadata.resourceVersion };
    return next;
  }

  /** Records the action, runs the reactors, then the tracker; answers asynchronously as a server would. */
  private async call(action: Action, tracker: () => unknown): Promise<unknown> {
    this.recorded.push(structuredClone(action));
    await Promise.resolve();
    for (const r of this.reactors) {
      if ((r.verb !== "*" && r.verb !== action.verb) || (r.resource !== "*" && r.resource !== action.resource)) continue;
      const reaction = r.fn(action);
      if (!reaction) continue;
      if ("error" in reaction) throw reaction.error;
      return structuredClone(reaction.object);
    }
    return tracker();
  }
}

/**
 * Shared informers over a FakeClient whose caches start with the fake's objects and count as
 * synced: a controller built on them can sync(key) at once. Started, they follow the fake's writes.
 */
export function fakeInformers(fake: FakeClient): SharedInformers {
  return new SharedInformers(fake, undefined, { seed: (res, ns) => fake.objects(res, ns) });
}

function at(res: ResourceRef, ns: string | undefined, name?: string): Pick<Action, "resource" | "group" | "namespace" | "name"> {
  return { resource: res.plural, group: res.group, namespace: res.namespaced ? ns : undefined, name };
}

function refForKind(obj: ObjectWithMeta): ResourceRef {
  const ref = KNOWN.find((r) => r.kind === obj.kind);
  if (!ref) throw new Error(`fake: no resource known for kind ${JSON.stringify(obj.kind)}; pass it to add(obj, resource)`);
  return ref;
}

/** The binding subresource's Conflicts carry only a message, as the API server's do. */
function conflict(message: string): ApiStatusError {
  return new ApiStatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Conflict", code: 409 });
}

/** Options as recorded: an AbortSignal cannot be cloned and says nothing about the call. */
function withoutSignal(opts: { signal?: AbortSignal; timeoutMs?: number }): Record<string, unknown> {
  const { signal: _signal, timeoutMs: _timeout, ...rest } = opts;
  return rest;
}

async function followWatch(
  tracker: ObjectTracker,
  res: ResourceRef,
  ns: string | undefined,
  opts: WatchOptions,
  onEvent: (ev: WatchEvent<ObjectWithMeta>) => void | Promise<void>,
): Promise<WatchResult> {
  const match = selectorMatcher(opts.labelSelector, opts.fieldSelector);
  const mine = (ev: TrackerEvent) => ev.resource === resourceName(res) && (!res.namespaced || !ns || ev.object.metadata.namespace === ns) && match(ev.object);
  const pending: Array<WatchEvent<ObjectWithMeta>> = [];
  let wake: (() => void) | undefined;
  const push = (ev: WatchEvent<ObjectWithMeta>) => {
    pending.push(ev);
    wake?.();
  };
  const from = opts.resourceVersion && opts.resourceVersion !== "0" ? Number(opts.resourceVersion) : tracker.revision();
  if (!opts.resourceVersion || opts.resourceVersion === "0") {
    for (const obj of tracker.list(res, ns).filter(match)) push({ type: "ADDED", object: obj });
  }
  const stop = tracker.subscribe(from, (ev) => mine(ev) && push({ type: ev.type, object: structuredClone(ev.object) }));
  let events = 0;
  let resourceVersion = opts.resourceVersion;
  const aborted = new Promise<void>((resolve) => (opts.signal?.aborted ? resolve() : opts.signal?.addEventListener("abort", () => resolve(), { once: true })));
  try {
    for (;;) {
      while (pending.length > 0 && !opts.signal?.aborted) {
        const ev = pending.shift()!;
        resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
        events++;
        await onEvent(ev);
      }
      if (opts.signal?.aborted) return { end: "aborted", resourceVersion, events };
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = undefined;
    }
  } finally {
    stop();
  }
}
