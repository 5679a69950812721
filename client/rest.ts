// ApiClient: typed calls for the Kubernetes REST API (get, list, create, update, status, patch,
// delete, binding, watch), one method per verb, no retries (callers decide; see errors.ts).
import type { KObject } from "../api/resource";
import type { ApiStatus } from "./errors";
import { connectionFromKubeconfig, connectionFromOptions, type Connection, type ConnectionOptions } from "./kubeconfig";
import { apiVersionOf, resourcePath, type ResourceRef } from "./resources";
import { parseJson, Transport, type QueryValue, type RequestOptions, type TransportOptions } from "./transport";
import { readWatchStream, type WatchEvent, type WatchOptions, type WatchResult } from "./watch";

/** What every API object has, loosely enough that zod-inferred types fit. */
export interface ObjectWithMeta {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface GetOptions extends RequestOptions {
  resourceVersion?: string;
}

export interface WriteOptions extends RequestOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface RawOptions extends RequestOptions {
  query?: Record<string, QueryValue>;
  contentType?: string;
  accept?: string;
}

export interface ApiClientOptions extends TransportOptions {}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

export class ApiClient {
  readonly transport: Transport;

  constructor(connection: Connection | ConnectionOptions, opts: ApiClientOptions = {}) {
    const conn = "token" in connection && typeof connection.token === "function"
      ? (connection as Connection)
      : connectionFromOptions(connection as ConnectionOptions);
    this.transport = new Transport(conn, opts);
  }

  static fromKubeconfig(path: string, opts: ApiClientOptions & { context?: string } = {}): ApiClient {
    return new ApiClient(connectionFromKubeconfig(path, opts.context), opts);
  }

  get server(): string {
    return this.transport.connection.server;
  }

  async get<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts: GetOptions = {}): Promise<T> {
    return this.json<T>("GET", resourcePath(res, ns, name), opts, { resourceVersion: opts.resourceVersion });
  }

  async list<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.json<ObjectList<T>>("GET", resourcePath(res, ns), opts, {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    });
    list.items ??= [];
    list.metadata ??= { resourceVersion: "" };
    return list;
  }

  /** Lists every page (following `continue`); resourceVersion is the first page's. */
  async listAll<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const first = await this.list<T>(res, ns, opts);
    const items = [...first.items];
    let cont = first.metadata.continue;
    while (cont) {
      const page = await this.list<T>(res, ns, { ...opts, resourceVersion: undefined, continue: cont });
      items.push(...page.items);
      cont = page.metadata.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  async create<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.json<T>("POST", resourcePath(res, ns), opts, writeQuery(opts), withTypeMeta(res, body));
  }

  /** PUT of the whole object; metadata.resourceVersion in the body makes it conditional. */
  async update<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.json<T>("PUT", resourcePath(res, ns, nameOf(body)), opts, writeQuery(opts), withTypeMeta(res, body));
  }

  async updateStatus<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts: WriteOptions = {}): Promise<T> {
    return this.putSubresource<T, T>(res, ns, nameOf(body), "status", withTypeMeta(res, body), opts);
  }

  async getSubresource<R>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, opts: GetOptions = {}): Promise<R> {
    return this.json<R>("GET", resourcePath(res, ns, name, subresource), opts, { resourceVersion: opts.resourceVersion });
  }

  async putSubresource<B, R = B>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: B, opts: WriteOptions = {}): Promise<R> {
    return this.json<R>("PUT", resourcePath(res, ns, name, subresource), opts, writeQuery(opts), body);
  }

  async patchSubresource<R>(
    res: ResourceRef,
    ns: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<R> {
    return this.json<R>("PATCH", resourcePath(res, ns, name, subresource), opts, patchQuery(type, opts), body, PATCH_CONTENT_TYPES[type]);
  }

  /** body: a partial object (merge, strategic, apply) or a list of JSON-patch operations (json). */
  async patch<T extends ObjectWithMeta = KObject>(
    res: ResourceRef,
    ns: string | undefined,
    name: string,
    body: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    if (type === "apply" && !opts.fieldManager) throw new Error("server-side apply needs a fieldManager");
    return this.json<T>("PATCH", resourcePath(res, ns, name), opts, patchQuery(type, opts), body, PATCH_CONTENT_TYPES[type]);
  }

  /** Returns the object (still there while finalizers or grace run) or a Success Status. */
  async delete<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | ApiStatus> {
    const body = {
      kind: "DeleteOptions",
      apiVersion: "v1",
      ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
      ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      ...(opts.dryRun ? { dryRun: ["All"] } : {}),
    };
    return this.json<T | ApiStatus>("DELETE", resourcePath(res, ns, name), opts, { dryRun: opts.dryRun ? "All" : undefined }, body);
  }

  /** Binds a pod to a node (what the scheduler does): POST pods/<pod>/binding. */
  async createBinding(ns: string, pod: string, nodeName: string, opts: WriteOptions & { podUid?: string } = {}): Promise<ApiStatus> {
    const binding = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: pod, namespace: ns, ...(opts.podUid ? { uid: opts.podUid } : {}) },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    };
    const path = resourcePath({ group: "", version: "v1", plural: "pods", namespaced: true }, ns, pod, "binding");
    return this.json<ApiStatus>("POST", path, opts, writeQuery(opts), binding);
  }

  /**
   * Watches a collection from opts.resourceVersion, calling onEvent for ADDED, MODIFIED, DELETED
   * and BOOKMARK in order (awaiting it). Resolves when the server ends the stream ("closed"), the
   * signal aborts ("aborted"), or the resourceVersion is too old ("gone": relist). A non-410
   * ERROR event rejects with ApiStatusError; a dropped connection with ConnectionError.
   */
  async watch<T extends ObjectWithMeta = KObject>(
    res: ResourceRef,
    ns: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void | Promise<void>,
  ): Promise<WatchResult> {
    const query = {
      watch: "true",
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks ? "true" : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    };
    return readWatchStream<T>(this.transport, { method: "GET", path: resourcePath(res, ns), query, signal: opts.signal, timeoutMs: opts.timeoutMs }, onEvent);
  }

  /** Any call: the parsed JSON answer (or the text when it is not JSON). */
  async raw<R = unknown>(method: string, path: string, body?: unknown, opts: RawOptions = {}): Promise<R> {
    const { headers, text } = await this.transport.call({ method, path, body, ...opts });
    if ((headers.get("content-type") ?? "").includes("json")) return parseJson<R>(text);
    return text as R;
  }

  private async json<R>(
    method: string,
    path: string,
    opts: RequestOptions,
    query?: Record<string, QueryValue>,
    body?: unknown,
    contentType?: string,
  ): Promise<R> {
    const { text } = await this.transport.call({ method, path, query, body, contentType, signal: opts.signal, timeoutMs: opts.timeoutMs });
    return parseJson<R>(text);
  }
}

function nameOf(body: ObjectWithMeta): string {
  const name = body.metadata?.name;
  if (!name) throw new Error("object has no metadata.name");
  return name;
}

function withTypeMeta<T extends ObjectWithMeta>(res: ResourceRef, body: T): T {
  if (body.apiVersion && body.kind) return body;
  return { ...body, apiVersion: body.apiVersion ?? apiVersionOf(res), kind: body.kind ?? res.kind };
}

function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? "All" : undefined, fieldValidation: opts.fieldValidation };
}

function patchQuery(type: PatchType, opts: PatchOptions): Record<string, QueryValue> {
  return { ...writeQuery(opts), force: type === "apply" && opts.force !== undefined ? String(opts.force) : undefined };
}
