// The HTTP pass-through behind the proxy subresources (what kube's UpgradeAwareHandler does for a
// plain request): method, path, query and body go to the location as they came, streamed both
// ways; hop-by-hop headers and the client's credentials to the API server stay behind.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { ApiError } from "../errors";
import { locationUrl, type ProxyLocation } from "./proxy-location";

/** RFC 7230 6.1 hop-by-hop headers, plus what only the API server was meant to read. */
const DROPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // The authentication filter consumed these (kube-apiserver deletes them after authenticating).
  "authorization",
]);

/** The headers to pass on: hop-by-hop ones (and those `Connection` names) dropped. */
export function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(String(headers.connection ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || DROPPED.has(k) || named.has(k) || k.startsWith("impersonate-")) continue;
    out[k] = v;
  }
  return out;
}

export interface PassThroughOptions {
  /** "/index.html?x=1": the path and query to ask the location for. */
  target: string;
  /** Extra headers for the upstream request (e.g. the API server's own credential to an agent). */
  headers?: OutgoingHttpHeaders;
  /** TLS options for an https location (the API server's client certificate, the CA). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

/**
 * Streams req to the location and the answer back. Resolves when the exchange is over; a location
 * that cannot be reached is a 503 ServiceUnavailable Status (kube: "error trying to reach
 * service: ..."), thrown only while nothing has been sent yet.
 */
export function passThrough(loc: ProxyLocation, req: IncomingMessage, res: ServerResponse, opts: PassThroughOptions): Promise<void> {
  const url = `${locationUrl(loc)}${opts.target}`;
  const headers = { ...forwardHeaders(req.headers), ...opts.headers, host: `${loc.host.includes(":") ? `[${loc.host}]` : loc.host}:${loc.port}` };
  return new Promise<void>((resolve, reject) => {
    const send = loc.scheme === "https" ? httpsRequest : httpRequest;
    const tls = loc.scheme === "https" ? { rejectUnauthorized: false, ...opts.tls } : {};
    const up = send(url, { method: req.method, headers, ...tls }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.headers));
      upRes.pipe(res);
      upRes.on("end", () => resolve());
      upRes.on("error", () => {
        res.destroy();
        resolve();
      });
    });
    up.on("error", (e) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(new ApiError(503, "ServiceUnavailable", `error trying to reach service: ${e.message}`));
    });
    // A client that goes away stops the upstream exchange too.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
      resolve();
    });
    req.pipe(up);
  });
}
