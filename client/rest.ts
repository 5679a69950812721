// The client components talk to the API server through: `ApiClient` is the interface (one method
// per verb of the Kubernetes REST API, no retries: callers decide, see errors.ts), `RestClient` the
// real implementation over HTTP, and client/fake.ts a recording fake for unit tests. Components
// take an `ApiClient`, so a test can hand them either.
import type { KObject } from "../api/resource";
import type { ApiStatus } from "./errors";
import { connectionFromKubeconfig, connectionFromOptions, type Connection, type ConnectionOptions } from "./kubeconfig";
import { apiVersionOf, resourcePath, type ResourceRef } from "./resources";
import { parseJson, Transport, type Impersonation, type QueryValue, type RequestOptions } from "./transport";
import type {
  ApiClientOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ObjectList,
  ObjectWithMeta,
  PatchOptions,
  PatchType,
  RawOptions,
  WriteOptions,
} from "./types";
import { readWatchStream, type WatchEvent, type WatchOptions, type WatchResult } from "./watch";

export type * from "./types";

export interface ApiClient {
  /** The API server's URL. */
  readonly server: string;
  get<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts?: GetOptions): Promise<T>;
  list<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts?: ListOptions): Promise<ObjectList<T>>;
  /** Lists every page (following `continue`); resourceVersion is the first page's. */
  listAll<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns?: string, opts?: ListOptions): Promise<ObjectList<T>>;
  create<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts?: WriteOptions): Promise<T>;
  /** PUT of the whole object; metadata.resourceVersion in the body makes it conditional. */
  update<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts?: WriteOptions): Promise<T>;
  updateStatus<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, body: T, opts?: WriteOptions): Promise<T>;
  getSubresource<R>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, opts?: GetOptions): Promise<R>;
  putSubresource<B, R = B>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: B, opts?: WriteOptions): Promise<R>;
  patchSubresource<R>(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: unknown, type: PatchType, opts?: PatchOptions): Promise<R>;
  /** body: a partial object (merge, strategic, apply) or a list of JSON-patch operations (json). */
  patch<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, body: unknown, type: PatchType, opts?: PatchOptions): Promise<T>;
  /** Returns the object (still there while finalizers or grace run) or a Success Status. */
  delete<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, name: string, opts?: DeleteOptions): Promise<T | ApiStatus>;
  /** Binds a pod to a node (what the scheduler does): POST pods/<pod>/binding. */
  createBinding(ns: string, pod: string, nodeName: string, opts?: WriteOptions & { podUid?: string }): Promise<ApiStatus>;
  /**
   * Watches a collection from opts.resourceVersion, calling onEvent for ADDED, MODIFIED, DELETED
   * and BOOKMARK in order (awaiting it). Resolves when the server ends the stream ("closed"), the
   * signal aborts ("aborted"), or the resourceVersion is too old ("gone": relist). A non-410
   * ERROR event rejects with ApiStatusError; a dropped connection with ConnectionError.
   */
  watch<T extends ObjectWithMeta = KObject>(res: ResourceRef, ns: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void | Promise<void>): Promise<WatchResult>;
  /** Any call: the parsed JSON answer (or the text when it is not JSON). */
  raw<R = unknown>(method: string, path: string, body?: unknown, opts?: RawOptions): Promise<R>;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** ApiClient over HTTP(S) to a real API server. */
export class RestClient implements ApiClient {
  readonly transport: Transport;

  constructor(connection: Connection | ConnectionOptions | Transport, opts: ApiClientOptions = {}) {
    if (connection instanceof Transport) {
      this.transport = connection;
      return;
    }
    const conn = "token" in connection && typeof connection.token === "function"
      ? (connection as Connection)
      : connectionFromOptions(connection as ConnectionOptions);
    this.transport = new Transport(conn, opts);
  }

  /**
   * This client's connection acting as another user on every call (Impersonate-* headers, as
   * client-go's ImpersonationConfig); the real user needs `impersonate` on that user.
   */
  impersonate(as: Impersonation): RestClient {
    return new RestClient(this.transport.impersonating(as));
  }

  static fromKubeconfig(path: string, opts: ApiClientOptions & { context?: string } = {}): RestClient {
    return new RestClient(connectionFromKubeconfig(path, opts.context), opts);
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

  async raw<R = unknown>(method: string, path: string, body?: unknown, opts: RawOptions = {}): Promise<R> {
    const { headers, text } = await this.transport.call({ method, path, body, ...opts });
    if (String(headers["content-type"] ?? "").includes("json")) return parseJson<R>(text);
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
