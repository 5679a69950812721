// HTTP to the API server: URL and query building, bearer token, impersonation, TLS with a custom
// CA and client certificates, timeouts and AbortSignal, and turning failures into ApiStatusError
// (the server answered) or ConnectionError (it did not). The HTTP client itself is an engine
// (http-engine.ts): Node's http unless the caller hands undici's (TransportOptions.engine).
import type { Readable } from "node:stream";
import type { EngineRequest, HttpEngine, HttpPool, ResponseHeaders } from "./http-engine";
import type { Connection } from "./kubeconfig";
import { nodeEngine } from "./node-engine";
import { ApiStatusError, ConnectionError, isStatus, statusFromHttp } from "./errors";

export interface RequestOptions {
  /** Abort the call (and, for streams, the stream). */
  signal?: AbortSignal;
  /** Milliseconds until the call gives up with ConnectionError("timeout"); 0 = no limit.
   *  For streams it bounds the wait for the response headers only. */
  timeoutMs?: number;
}

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest extends RequestOptions {
  method: string;
  /** Path below the server URL, starting with "/". */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export type { ResponseHeaders } from "./http-engine";

export interface OpenStream {
  status: number;
  headers: ResponseHeaders;
  /** The response body as it arrives (Buffers); an abort of the call's signal destroys it. */
  body: Readable;
  /** Ends the stream (the connection is dropped if the body was not read to its end) and releases the abort wiring; call when done reading. */
  close(): void;
}

export interface TransportOptions {
  /** Default timeout for calls that do not give one (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
  /** Act as another user on every call (client-go's ImpersonationConfig, `kubectl --as`). */
  impersonate?: Impersonation;
  /** The HTTP client (default Node's http: nodeEngine); undiciEngine for processes whose rate is their calls. */
  engine?: HttpEngine;
}

/**
 * Sent as Impersonate-User, one Impersonate-Group per group and Impersonate-Uid. The real user
 * needs the `impersonate` verb on each; for a ServiceAccount user
 * ("system:serviceaccount:<ns>:<name>") the server adds its groups itself.
 */
export interface Impersonation {
  user: string;
  groups?: string[];
  uid?: string;
}

export class Transport {
  private readonly pool: HttpPool;
  /** scheme://host:port of the server, and the path prefix its URL may carry ("" or "/prefix"). */
  private readonly origin: string;
  private readonly basePath: string;
  private readonly defaultTimeoutMs: number;
  private readonly userAgent: string;
  private readonly impersonation: Array<[string, string]>;

  constructor(readonly connection: Connection, private readonly opts: TransportOptions = {}, shared?: Transport) {
    this.defaultTimeoutMs = opts.timeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? "kubelab-client";
    const imp = opts.impersonate;
    this.impersonation = imp ? [["impersonate-user", imp.user], ...(imp.groups ?? []).map((g): [string, string] => ["impersonate-group", g]), ...(imp.uid !== undefined ? [["impersonate-uid", imp.uid] as [string, string]] : [])] : [];
    const server = new URL(connection.server);
    this.origin = server.origin;
    this.basePath = server.pathname.replace(/\/+$/, "");
    const engine = opts.engine ?? nodeEngine;
    if (shared) this.pool = shared.pool;
    else if (connection.server.startsWith("https:") && (connection.ca || connection.insecureSkipTLSVerify || connection.cert)) {
      const client = connection.cert ? { cert: connection.cert, key: connection.key } : {};
      this.pool = engine.pool(connection.insecureSkipTLSVerify ? { rejectUnauthorized: false, ...client } : { ca: connection.ca, ...client });
    } else this.pool = engine.pool();
  }

  /** The same connection (and connection pool) acting as another user. */
  impersonating(as: Impersonation): Transport {
    return new Transport(this.connection, { ...this.opts, impersonate: as }, this);
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    return this.origin + this.requestPath(path, query);
  }

  /** The request target: the server's path prefix, path and query. */
  private requestPath(path: string, query?: Record<string, QueryValue>): string {
    let target = this.basePath + path;
    if (query) {
      let qs = "";
      for (const k in query) {
        const v = query[k];
        if (v !== undefined) qs += (qs ? "&" : "") + encodeURIComponent(k) + "=" + encodeURIComponent(String(v));
      }
      if (qs) target += (path.includes("?") ? "&" : "?") + qs;
    }
    return target;
  }

  /** A whole call: the response body as text, or a thrown ApiStatusError / ConnectionError. */
  async call(req: HttpRequest): Promise<{ status: number; headers: ResponseHeaders; text: string }> {
    const call = this.start(req, req.timeoutMs ?? this.defaultTimeoutMs);
    try {
      const response = await call.send();
      const text = await call.guard(() => response.text());
      if (!ok(response.statusCode)) throw errorFor(response.statusCode, text);
      return { status: response.statusCode, headers: response.headers, text };
    } finally {
      call.release();
    }
  }

  /** A streaming call (watch, log follow): resolves once headers arrived with a 2xx. */
  async stream(req: HttpRequest): Promise<OpenStream> {
    const call = this.start(req, req.timeoutMs ?? this.defaultTimeoutMs);
    try {
      const response = await call.send();
      call.clearTimer();
      if (!ok(response.statusCode)) {
        const text = await call.guard(() => response.text());
        throw errorFor(response.statusCode, text);
      }
      const body = response.body;
      return {
        status: response.statusCode,
        headers: response.headers,
        body,
        close: () => {
          if (!body.destroyed) body.destroy();
          call.release();
        },
      };
    } catch (err) {
      call.release();
      throw err;
    }
  }

  private start(req: HttpRequest, timeoutMs: number) {
    const { signal } = req;
    signal?.throwIfAborted();
    const ctrl = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined =
      timeoutMs > 0 ? setTimeout(() => ((timedOut = true), ctrl.abort()), timeoutMs) : undefined;
    const onAbort = () => ctrl.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const what = `${req.method} ${req.path}`;
    const clearTimer = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    const translate = (err: unknown): unknown => {
      if (err instanceof ApiStatusError) return err;
      if (timedOut) return new ConnectionError(`${what}: timed out after ${timeoutMs} ms`, "timeout", { cause: err });
      if (signal?.aborted) return signal.reason ?? err;
      return new ConnectionError(`${what}: ${describe(err)}`, "network", { cause: err });
    };
    const guard = async <R>(fn: () => Promise<R>): Promise<R> => {
      try {
        return await fn();
      } catch (err) {
        throw translate(err);
      }
    };
    const headers: Record<string, string | string[]> = {
      accept: req.accept ?? "application/json",
      "user-agent": this.userAgent,
    };
    const token = this.connection.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      headers["content-type"] = req.contentType ?? "application/json";
    }
    // An array value is sent as the header repeated: Impersonate-Group once per group.
    for (const [k, v] of this.impersonation) {
      const had = headers[k];
      headers[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
    }
    const options: EngineRequest = {
      origin: this.origin,
      path: this.requestPath(req.path, req.query),
      method: req.method,
      headers,
      body,
      signal: ctrl.signal,
    };
    return {
      send: () => guard(() => this.pool.request(options)),
      guard,
      clearTimer,
      /** For stream readers: map a read error the same way. */
      translate,
      release: () => {
        clearTimer();
        signal?.removeEventListener("abort", onAbort);
      },
    };
  }
}

const ok = (status: number) => status >= 200 && status <= 299;

function errorFor(code: number, text: string): ApiStatusError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed)) return new ApiStatusError(parsed);
  } catch {
    // not JSON
  }
  return new ApiStatusError(statusFromHttp(code, text));
}

/** "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)": the socket's or the engine's error code and message. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err.cause ?? err) as { code?: string; message?: string };
    if (cause.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
    if (cause.message) return cause.message;
    return err.message;
  }
  return String(err);
}

/** Parses a JSON response body; an empty body yields undefined. */
export function parseJson<T>(text: string): T {
  return (text ? JSON.parse(text) : undefined) as T;
}
