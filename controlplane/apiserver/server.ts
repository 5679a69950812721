// The API server: one HTTP(S) listener, the discovery and OpenAPI documents, health and metrics,
// and the resource endpoints over the generic registry. Errors become Status objects here, in
// one place.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { Counter, Histogram, Registry as MetricsRegistry, collectDefaultMetrics } from "prom-client";
import type { KObject, ResourceType } from "../../api/resource";
import { openapiV3Document, openapiV3Root } from "../../api/openapi";
import type { Store } from "../storage/store";
import { authenticate, loadTokenFile, type TokenUser } from "./auth";
import {
  aggregatedDiscovery,
  apiGroupInfo,
  apiGroupList,
  apiResourceList,
  coreVersions,
  versionInfo,
  wantsAggregated,
} from "./discovery";
import { ApiError } from "./errors";
import { Registry } from "./registry";
import { apiVersionOf } from "./keys";
import { MAX_BODY_BYTES, parseResourcePath, type ResourcePath } from "./request";
import { handleResource, type ResourceContext } from "./resources";
import { createStrategy } from "./strategy";
import { wantsTable } from "./table";

/** An extra route (e.g. the git-sync webhook): return true when it handled the request. */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ApiServerOptions {
  store: Store;
  types: ResourceType[];
  /** "127.0.0.1:6443"; port 0 picks a free one. */
  listen: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tokenAuthFile?: string;
  maxBodyBytes?: number;
  logger: Logger;
  /** Keep this many revisions of history for watches; older ones are compacted. */
  historyRevisions?: number;
  compactIntervalMs?: number;
  bookmarkIntervalMs?: number;
  extraHandlers?: ExtraHandler[];
  /** DefaultTolerationSeconds admission (Kubernetes' flags of the same names; default 300). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /**
   * The process's one metrics registry, shared with the controllers, scheduler and git-sync.
   * The API server registers its own metrics there and serves the whole registry on /metrics;
   * Node's default metrics are the owner's to collect. Without one, the API server makes its own
   * registry with the default metrics in it.
   */
  metrics?: MetricsRegistry;
}

export interface ApiServer {
  url: string;
  registry: Registry;
  /** The registry /metrics serves (the one passed in, or the server's own). */
  metrics: MetricsRegistry;
  server: Server;
  close(): Promise<void>;
}

/** Query parameters a plain list ignores (others go through handleResource). */
const PLAIN_LIST_PARAMS = new Set(["resourceVersion", "resourceVersionMatch", "timeoutSeconds"]);

const UNAUTHENTICATED = new Set(["/healthz", "/livez", "/readyz", "/version"]);

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store, types, logger } = opts;
  const registry = new Registry(store, createStrategy(types, {
    notReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
    unreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
  }));
  const findType = (group: string, version: string, plural: string) =>
    types.find((t) => t.group === group && t.version === version && t.plural === plural);
  const typeOfKind = (kind: string) => {
    const t = types.find((x) => x.kind === kind);
    if (!t) throw new Error(`no resource type for kind ${kind}`);
    return t;
  };
  const ctx: ResourceContext = {
    registry,
    findType,
    typeOfKind,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
  };
  const tokens = opts.tokenAuthFile ? loadTokenFile(opts.tokenAuthFile) : undefined;

  const metrics = opts.metrics ?? ownMetricsRegistry();
  const requests = new Counter({ name: "apiserver_request_total", help: "API requests by verb, resource and code", labelNames: ["verb", "resource", "code"], registers: [metrics] });
  const latency = new Histogram({ name: "apiserver_request_duration_seconds", help: "API request latency (watches excluded)", labelNames: ["verb", "resource"], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [metrics] });
  // Label children are looked up once per label combination, not hashed on every request.
  const requestCounters = new Map<string, { inc(): void }>();
  const latencyObservers = new Map<string, { observe(v: number): void }>();
  const record = (verb: string, resource: string, code: number, seconds: number) => {
    const ck = `${verb} ${resource} ${code}`;
    let counter = requestCounters.get(ck);
    if (!counter) requestCounters.set(ck, (counter = requests.labels(verb, resource, String(code))));
    counter.inc();
    if (verb === "WATCH") return;
    const lk = `${verb} ${resource}`;
    let observer = latencyObservers.get(lk);
    if (!observer) latencyObservers.set(lk, (observer = latency.labels(verb, resource)));
    observer.observe(seconds);
  };

  await ensureDefaultNamespaces(registry, typeOfKind("Namespace"));

  let serverAddress = opts.listen;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://localhost");
    let code = 200;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      code = status;
      if (res.headersSent) return;
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", ...headers, "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    };
    const rp = parseResourcePath(url.pathname);
    try {
      if (tokens && !UNAUTHENTICATED.has(url.pathname) && !url.pathname.startsWith("/hooks/")) {
        const user: TokenUser | undefined = authenticate(tokens, req.headers.authorization);
        if (!user) throw new ApiError(401, "Unauthorized", "Unauthorized");
      }
      for (const extra of opts.extraHandlers ?? []) if (await extra(req, res, url)) return;
      if (rp) {
        if (!(await plainList(rp, req, res, url))) await handleResource(ctx, rp, req, res, url, reply);
      } else {
        await handleNonResource(req, url, reply);
      }
    } catch (e) {
      const err = e instanceof ApiError ? e : internalError(e, logger);
      if (res.headersSent) {
        res.end();
      } else {
        reply(err.code, err.toStatus());
      }
    } finally {
      record(verbOf(req.method ?? "GET", url, rp?.name), rp?.plural ?? "", code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  /**
   * A whole collection without selectors, paging or Table (what informers and `kubectl get -o
   * json` ask for): the stored text goes out with resourceVersions spliced in, the same body as
   * handleResource's list without decoding and re-encoding every object, written in pieces as
   * the socket takes them. false: not such a list.
   */
  const plainList = async (rp: ResourcePath, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== "GET" || rp.name !== undefined || rp.subresource !== undefined || wantsTable(req.headers.accept)) return false;
    for (const k of url.searchParams.keys()) if (!PLAIN_LIST_PARAMS.has(k)) return false;
    const rt = findType(rp.group, rp.version, rp.plural);
    if (!rt || (rt.namespaced === false && rp.namespace)) return false;
    const { items, resourceVersion } = await registry.listJson(rt, rt.namespaced ? rp.namespace : undefined);
    const head = JSON.stringify({ kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion } });
    res.writeHead(200, { "Content-Type": "application/json" });
    let more = res.write(`${head.slice(0, -1)},"items":[`);
    for (const piece of items) {
      if (!more) await drained(res);
      if (res.destroyed) return true;
      more = res.write(piece);
    }
    res.end("]}");
    return true;
  };

  const handleNonResource = async (req: IncomingMessage, url: URL, reply: (c: number, b: unknown, h?: Record<string, string>) => void) => {
    const p = url.pathname.replace(/\/+$/, "") || "/";
    const accept = req.headers.accept;
    if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    if (p === "/version") return reply(200, versionInfo());
    if (p === "/healthz" || p === "/livez" || p === "/readyz") return reply(200, "ok", { "Content-Type": "text/plain" });
    if (p === "/metrics") return reply(200, await metrics.metrics(), { "Content-Type": metrics.contentType });
    if (p === "/api" || p === "/apis") {
      const agg = wantsAggregated(accept);
      if (agg) {
        return reply(200, aggregatedDiscovery(types, p === "/api", agg), {
          "Content-Type": `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
        });
      }
      return reply(200, p === "/api" ? coreVersions(serverAddress) : apiGroupList(types));
    }
    const gv = p.match(/^\/api\/(v1)$/) ?? p.match(/^\/apis\/([^/]+)\/([^/]+)$/);
    if (gv) {
      const [group, version] = p.startsWith("/api/") ? ["", gv[1]] : [gv[1], gv[2]];
      if (!types.some((t) => t.group === group && t.version === version)) throw notFoundPath();
      return reply(200, apiResourceList(types, group, version));
    }
    const g = p.match(/^\/apis\/([^/]+)$/);
    if (g) {
      const info = apiGroupInfo(types, g[1]);
      if (!info) throw notFoundPath();
      return reply(200, info);
    }
    if (p === "/openapi/v3") return reply(200, openapiV3Root());
    if (p.startsWith("/openapi/v3/")) {
      const doc = openapiV3Document(p.slice("/openapi/v3/".length));
      if (!doc) throw notFoundPath();
      return reply(200, doc);
    }
    throw notFoundPath();
  };

  const server =
    opts.tlsCertFile && opts.tlsKeyFile
      ? createHttpsServer({ cert: readFileSync(opts.tlsCertFile), key: readFileSync(opts.tlsKeyFile) }, handler)
      : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  const { host, port } = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const scheme = opts.tlsCertFile ? "https" : "http";
  const shownHost = addr.address.includes(":") ? `[${addr.address}]` : addr.address;
  serverAddress = `${shownHost}:${addr.port}`;
  const url = `${scheme}://${shownHost}:${addr.port}`;

  const historyRevisions = opts.historyRevisions ?? 20_000;
  const compactTimer = setInterval(async () => {
    try {
      const rev = await store.currentRevision();
      if (rev > historyRevisions) await store.compact(rev - historyRevisions);
    } catch (e) {
      logger.warn({ err: e }, "compaction failed");
    }
  }, opts.compactIntervalMs ?? 60_000);
  compactTimer.unref();

  logger.info({ url }, "API server listening");
  return {
    url,
    registry,
    metrics,
    server,
    close: async () => {
      clearInterval(compactTimer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function ownMetricsRegistry(): MetricsRegistry {
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });
  return metrics;
}

/** Resolves when the response can take more data or the connection is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function notFoundPath(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource");
}

function internalError(e: unknown, logger: Logger): ApiError {
  logger.error({ err: e }, "internal error");
  return new ApiError(500, "InternalError", `Internal error occurred: ${(e as Error)?.message ?? String(e)}`);
}

function verbOf(method: string, url: URL, name: string | undefined): string {
  if (method === "GET") return url.searchParams.get("watch") === "true" ? "WATCH" : name ? "GET" : "LIST";
  return method;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const m = listen.match(/^\[?([^\]]*?)\]?:(\d+)$/);
  if (!m) throw new Error(`--listen must be HOST:PORT, got ${JSON.stringify(listen)}`);
  return { host: m[1] || "0.0.0.0", port: Number(m[2]) };
}

async function ensureDefaultNamespaces(registry: Registry, namespaces: ResourceType): Promise<void> {
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    if (await registry.tryGet(namespaces, undefined, name)) continue;
    const ns: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    try {
      await registry.create(namespaces, undefined, ns, { fieldManager: "kubelab-apiserver" });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === "AlreadyExists")) throw e;
    }
  }
}
