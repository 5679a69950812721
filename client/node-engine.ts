// The HTTP engine on Node's own http and https modules (the contract: http-engine.ts): keep-alive
// agents, one https.Agent per TLS configuration, the request's AbortSignal handed to Node. An idle
// connection is dropped KEEP_ALIVE_MARGIN_MS before the server's `Keep-Alive: timeout=N` hint
// says the server will close it, as undici does: Node's agent of itself keeps it until the
// server's close arrives (its idle timeout stays 0 on Node 20.20 and 24.22), and a request sent
// on it just then fails with ECONNRESET.
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { EngineRequest, EngineResponse, HttpEngine, HttpPool, ResponseHeaders, TlsOptions } from "./http-engine";

const KEEP_ALIVE_MARGIN_MS = 1000;

/** The server's keep-alive hint (ms) from the last response on each connection. */
const keepAliveHints = new WeakMap<Socket, number>();

/** Keeps an idle connection until shortly before the server's hint; not at all when the hint is shorter than the margin. */
function keepIdle(socket: Socket): boolean {
  const hint = keepAliveHints.get(socket);
  if (hint === undefined) return true;
  if (hint <= KEEP_ALIVE_MARGIN_MS) return false;
  socket.setTimeout(hint - KEEP_ALIVE_MARGIN_MS); // the agent destroys a free connection that times out
  return true;
}

/** Node's documented hook for a connection its request is done with (agent.keepSocketAlive, v8.1.0), which @types/node leaves out. */
const nodeKeepSocketAlive = (http.Agent.prototype as unknown as { keepSocketAlive(this: http.Agent, socket: Socket): boolean }).keepSocketAlive;

class HttpAgent extends http.Agent {
  keepSocketAlive(socket: Socket): boolean {
    return nodeKeepSocketAlive.call(this, socket) && keepIdle(socket);
  }
}

class HttpsAgent extends https.Agent {
  keepSocketAlive(socket: Socket): boolean {
    return nodeKeepSocketAlive.call(this, socket) && keepIdle(socket);
  }
}

const shared = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export const nodeEngine: HttpEngine = {
  name: "node",
  pool(tls?: TlsOptions): HttpPool {
    const agent = tls ? new HttpsAgent({ keepAlive: true, ...tls }) : undefined;
    return { request: (req) => send(req, agent) };
  },
};

function send(req: EngineRequest, tlsAgent: HttpsAgent | undefined): Promise<EngineResponse> {
  return new Promise<EngineResponse>((resolve, reject) => {
    const url = new URL(req.origin);
    const secure = url.protocol === "https:";
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const options: http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port || undefined,
      path: req.path,
      method: req.method,
      headers,
      agent: secure ? (tlsAgent ?? shared.https) : shared.http,
      signal: req.signal,
    };
    let request: http.ClientRequest;
    try {
      request = (secure ? https : http).request(options, (res) => {
        // Errors after the headers (a reset, an abort) reach whoever reads the body; this listener
        // only keeps one that nobody reads from becoming an uncaught 'error' event.
        res.on("error", () => undefined);
        const hint = /timeout=(\d+)/.exec(String(res.headers["keep-alive"] ?? ""))?.[1];
        if (hint !== undefined) keepAliveHints.set(res.socket, Number(hint) * 1000);
        resolve({ statusCode: res.statusCode ?? 0, headers: headersOf(res), body: res, text: () => readText(res) });
      });
    } catch (err) {
      reject(err); // an invalid header value, say
      return;
    }
    request.on("error", reject);
    // A reused connection carries its idle timeout (keepIdle): none while a request uses it.
    request.on("socket", (socket) => socket.setTimeout(0));
    request.end(req.body);
  });
}

/** Lower-case names; a header that came more than once as an array (undici's shape too). */
function headersOf(res: http.IncomingMessage): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [name, values] of Object.entries(res.headersDistinct)) {
    if (values) out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.once("error", reject);
    // Destroyed without an error (the connection closed before the end): not a whole body.
    res.once("close", () => {
      if (!res.complete) reject(Object.assign(new Error("the response ended before its body did"), { code: "ECONNRESET" }));
    });
  });
}
