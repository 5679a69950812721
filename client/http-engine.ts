// What the Transport (transport.ts) needs from an HTTP/1.1 client: connection pools, one request
// on them, the response's status, headers and body. Two engines stand behind it, as two stores
// stand behind storage/store.ts:
//  - node-engine.ts, Node's own http/https (llhttp compiled into node): the default. It costs a
//    process nothing to load, so every agent (and the CLI) uses it: an agent's RSS is 7-12 MB less
//    than with undici (npm run bench -- agent).
//  - undici-engine.ts, undici's request API: about half the client CPU per call (59 against 112 us
//    per POST in a loop of 16 callers on loopback), for the processes whose rate is their calls:
//    the control plane's components and the benchmarks' hollow nodes.
// Contract, for both:
//  - request() resolves once the response headers arrived (any status), rejects when no response
//    came (connection refused or reset, TLS, an aborted signal); it never throws synchronously.
//  - The body is a Readable of Buffers; destroying it drops the connection, reading it to its end
//    returns the connection to the pool. An abort of the request's signal destroys the body.
//  - Header names come lower-case; a header the server repeated comes as an array.
//  - A pool with TLS options verifies the server against `ca` (or not, rejectUnauthorized: false)
//    and presents the client certificate; a pool without them is the engine's shared one.
import type { Readable } from "node:stream";

/** Response headers, lower-case names (a repeated header is an array). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface TlsOptions {
  /** PEM CA bundle the server's certificate must chain to (else the system's). */
  ca?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** false: accept any server certificate (kubeconfig's insecure-skip-tls-verify). */
  rejectUnauthorized?: boolean;
}

export interface EngineRequest {
  /** scheme://host:port */
  origin: string;
  /** Path and query. */
  path: string;
  method: string;
  /** Lower-case names; an array value is sent as the header repeated. */
  headers: Record<string, string | string[]>;
  body?: string;
  signal: AbortSignal;
}

export interface EngineResponse {
  statusCode: number;
  headers: ResponseHeaders;
  body: Readable;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
}

export interface HttpPool {
  request(req: EngineRequest): Promise<EngineResponse>;
}

export interface HttpEngine {
  readonly name: string;
  /** A pool of its own for these TLS options; without options, the engine's shared pool. */
  pool(tls?: TlsOptions): HttpPool;
}
