// The agent's HTTP endpoints. The read-only port (10255) serves /pods (a v1 PodList of what this
// node runs), /healthz and /stats/summary; the main port (10250) adds /containerLogs (what the
// API server proxies `pods/log` to), Prometheus /metrics and the streaming upgrades (exec, attach:
// ./streaming), all behind the webhook check of ./auth (only /healthz stays open there).
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { statusFromHttp } from "../client/errors";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { refusal, type AgentAuth } from "./auth/gate";
import type { Kubelet } from "./kubelet";
import type { StatsProvider } from "./stats";
import { latestByName } from "./status";

/** An answer other than 200: turned into a Kubernetes Status by the one error boundary below. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

function send(res: ServerResponse, code: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, value: unknown, code = 200): void {
  send(res, code, JSON.stringify(value), "application/json");
}

function sendStatus(res: ServerResponse, code: number, message: string): void {
  json(res, statusFromHttp(code, message), code);
}

function flag(value: string | null): boolean {
  return value === "true" || value === "1";
}

/** A query parameter that must be a whole number >= 0 (absent: undefined). */
function count(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, `invalid ${name} "${raw}": must be a non-negative integer`);
  return Number(raw);
}

/** The request target as a URL; a target that is not an absolute path is a 400, not a crash. */
export function requestUrl(target: string | undefined): URL {
  const raw = target ?? "/";
  if (!raw.startsWith("/")) throw new HttpError(400, `malformed request target "${raw.slice(0, 200)}"`);
  try {
    // Prefixing the origin keeps "//x" a path (new URL("//x", base) would read x as a host).
    return new URL(`http://agent${raw}`);
  } catch {
    throw new HttpError(400, `malformed request target "${raw.slice(0, 200)}"`);
  }
}

function pathSegments(url: URL): string[] {
  try {
    return url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in path "${url.pathname.slice(0, 200)}"`);
  }
}

async function containerLogs(kubelet: Kubelet, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [, namespace, podName, containerParam] = pathSegments(url);
  if (!namespace || !podName) throw new HttpError(400, "usage: /containerLogs/<namespace>/<pod>/<container>");
  const pod = kubelet.podManager.find(namespace, podName);
  const all = pod
    ? kubelet.runtimeContainers(pod.metadata.uid)
    : kubelet.allRuntimeContainers().filter((c) => c.podNamespace === namespace && c.podName === podName);
  if (!pod && all.length === 0) throw new HttpError(404, `pod "${podName}" not found in namespace "${namespace}" on this node`);
  const names = pod ? pod.spec.containers.map((c) => c.name) : [...new Set(all.filter((c) => !c.isSandbox).map((c) => c.container))];
  const container = containerParam ?? (names.length === 1 ? names[0] : undefined);
  if (!container) {
    throw new HttpError(400, `a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`);
  }
  // Init and ephemeral containers have logs too, but are never the default.
  const valid = pod ? [...names, ...[...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])].map((c) => c.name)] : names;
  if (!valid.includes(container)) throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
  const history = latestByName(all, container);
  const previous = flag(url.searchParams.get("previous"));
  const target = previous ? history[1] : history[0];
  if (!target) {
    throw new HttpError(
      400,
      previous
        ? `previous terminated container "${container}" in pod "${podName}" not found`
        : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`,
    );
  }
  const tail = count(url, "tailLines");
  const sinceSeconds = count(url, "sinceSeconds");
  const limitBytes = count(url, "limitBytes") ?? 0;
  const follow = flag(url.searchParams.get("follow")) && target.state === "running";
  const stream = await kubelet.runtime.logs(target.id, {
    follow,
    tail,
    timestamps: flag(url.searchParams.get("timestamps")),
    since: sinceSeconds ? Math.floor(Date.now() / 1000) - sinceSeconds : undefined,
  });
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache" });
  res.flushHeaders();
  let written = 0;
  stream.on("data", (chunk: Buffer) => {
    if (limitBytes > 0) {
      const room = limitBytes - written;
      if (room <= 0) return;
      chunk = chunk.subarray(0, room);
    }
    written += chunk.length;
    res.write(chunk);
    if (limitBytes > 0 && written >= limitBytes) stream.destroy();
  });
  stream.on("end", () => res.end());
  stream.on("close", () => res.end());
  stream.on("error", () => res.end());
  req.on("close", () => stream.destroy());
}

export interface AgentServerOptions {
  kubelet: Kubelet;
  stats: StatsProvider;
  metrics?: Registry;
  /** The main port also serves logs and metrics. */
  readOnly: boolean;
  /** The main port's check of callers (auth/gate.ts); undefined: everyone may (no API server to ask). */
  auth?: AgentAuth;
}

export type AgentHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function agentHandler(opts: AgentServerOptions): AgentHandler {
  const { kubelet, stats, metrics } = opts;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req.url);
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `method ${req.method} is not allowed`);
    if (url.pathname === "/healthz") return send(res, 200, "ok");
    if (url.pathname === "/pods" || url.pathname === "/pods/") {
      return json(res, { kind: "PodList", apiVersion: "v1", metadata: {}, items: kubelet.pods() });
    }
    if (url.pathname === "/stats/summary") return json(res, await stats.summary());
    if (!opts.readOnly && url.pathname.startsWith("/containerLogs/")) return await containerLogs(kubelet, req, res, url);
    if (url.pathname === "/metrics" && metrics) {
      const body = await metrics.metrics();
      return send(res, 200, body, metrics.contentType);
    }
    throw new HttpError(404, "404 page not found");
  };
  // The one error boundary: every failure becomes a Status; nothing escapes to the process.
  return async (req, res) => {
    try {
      const denied = await refusal(opts.auth, req, requestUrl(req.url).pathname);
      if (denied) return sendStatus(res, denied.code, denied.message);
      await route(req, res);
    } catch (err) {
      const code = err instanceof HttpError ? err.code : 500;
      if (!res.headersSent) sendStatus(res, code, err instanceof Error ? err.message : String(err));
      else res.end();
    }
  };
}

/** What a client that sent bytes Node's parser rejects gets (a raw `GET //[ HTTP/1.1` is fine). */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const code = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const body = JSON.stringify(statusFromHttp(code, `malformed HTTP request: ${err.code ?? err.message}`));
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? "Bad Request"}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export async function listen(handler: AgentHandler, host: string, port: number, log?: Logger, upgrade?: UpgradeHandler): Promise<Server> {
  // GET requests have no body: a client gets 10 s for its headers and 30 s for the whole request
  // (a log stream's response may last as long as it wants).
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  server.on("clientError", onClientError);
  if (upgrade) server.on("upgrade", upgrade);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      // Once listening, an error (e.g. out of file descriptors on accept) is logged, not fatal.
      server.on("error", (err) => log?.warn({ err: err.message, port }, "agent listener error"));
      resolve();
    });
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
