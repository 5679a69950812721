// The HTTP engine on Node's own http and https modules (the contract: http-engine.ts): keep-alive
// agents (which close an idle connection before the server's `Keep-Alive: timeout` hint says it
// will), one https.Agent per TLS configuration, the request's AbortSignal handed to Node.
import http from "node:http";
import https from "node:https";
import type { EngineRequest, EngineResponse, HttpEngine, HttpPool, ResponseHeaders, TlsOptions } from "./http-engine";

const shared = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export const nodeEngine: HttpEngine = {
  name: "node",
  pool(tls?: TlsOptions): HttpPool {
    const agent = tls ? new https.Agent({ keepAlive: true, ...tls }) : undefined;
    return { request: (req) => send(req, agent) };
  },
};

function send(req: EngineRequest, tlsAgent: https.Agent | undefined): Promise<EngineResponse> {
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
        resolve({ statusCode: res.statusCode ?? 0, headers: headersOf(res), body: res, text: () => readText(res) });
      });
    } catch (err) {
      reject(err); // an invalid header value, say
      return;
    }
    request.on("error", reject);
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
