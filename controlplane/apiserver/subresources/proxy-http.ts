// The HTTP pass-through behind the proxy subresources (what kube's UpgradeAwareHandler does for a
// plain request): method, path, query and body go to the location as they came, streamed both
// ways; hop-by-hop headers and the client's credentials to the API server stay behind.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
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

/**
 * An upgrade request (a WebSocket to the app) goes on with its Upgrade and Connection headers,
 * and from then on bytes flow both ways unchanged, the location's answer (101 or not) included,
 * as kube's UpgradeAwareHandler does. `client` is the raw connection (node-proxy-upgrade.ts).
 */
export function upgradeThrough(loc: ProxyLocation, req: IncomingMessage, client: { socket: Duplex; head: Buffer }, opts: PassThroughOptions): Promise<void> {
  const headers: OutgoingHttpHeaders = { ...forwardHeaders(req.headers), ...opts.headers, host: `${loc.host.includes(":") ? `[${loc.host}]` : loc.host}:${loc.port}` };
  headers.connection = "Upgrade";
  headers.upgrade = req.headers.upgrade;
  const lines = [`${req.method} ${opts.target} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`${k}: ${one}`);
  return new Promise<void>((resolve) => {
    const up =
      loc.scheme === "https"
        ? tlsConnect({ host: loc.host, port: loc.port, rejectUnauthorized: false, ...opts.tls })
        : netConnect({ host: loc.host, port: loc.port });
    const { socket } = client;
    let closed = 0;
    const onClose = () => {
      socket.destroy();
      up.destroy();
      if (++closed === 2) resolve();
    };
    up.once(loc.scheme === "https" ? "secureConnect" : "connect", () => {
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (client.head.length) up.write(client.head);
      socket.pipe(up);
      up.pipe(socket);
    });
    up.on("error", (e) => {
      // Not reached: the client gets kube's 503 wording as a plain answer on its connection.
      if (socket.writable && !socket.destroyed && closed === 0 && up.bytesRead === 0) {
        const body = JSON.stringify(new ApiError(503, "ServiceUnavailable", `error trying to reach service: ${e.message}`).toStatus());
        socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      }
      up.destroy();
    });
    socket.on("error", () => socket.destroy());
    socket.once("close", onClose);
    up.once("close", onClose);
  });
}
