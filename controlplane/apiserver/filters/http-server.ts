// What the HTTP server itself enforces before any filter runs: how long reading a request's
// headers (kube-apiserver's ReadHeaderTimeout) and, as a backstop behind the timeout filter, the
// whole request may take, and a Status (not
// Node's bare text) for requests the HTTP parser refuses: 400 malformed, 408 too slow, 431
// headers too large.
import type { Server, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { ServerLimits } from "./limits";

/** How much longer than --request-timeout Node lets a request's body take: the timeout filter answers 504 first. */
const BODY_READ_MARGIN_MS = 10_000;

export function httpServerOptions(limits: ServerLimits): ServerOptions {
  const timeout = limits.requestTimeoutMs;
  // Headers that take longer than a whole request may are not worth waiting for.
  const headersTimeout = timeout > 0 ? Math.min(limits.headerReadTimeoutMs, timeout) : limits.headerReadTimeoutMs;
  const requestTimeout = timeout > 0 ? timeout + BODY_READ_MARGIN_MS : 0;
  return {
    headersTimeout,
    requestTimeout,
    // How often Node looks for connections over those timeouts (its default, 30 s, would let a
    // 32 s header timeout become a minute).
    connectionsCheckingInterval: Math.max(250, Math.min(2_000, headersTimeout / 4)),
    keepAliveTimeout: 65_000,
  };
}

interface ClientError extends Error {
  code?: string;
}

export function clientErrorStatus(err: ClientError): { code: number; reason: string; message: string } {
  if (err.code === "HPE_HEADER_OVERFLOW") return { code: 431, reason: "RequestHeaderFieldsTooLarge", message: "request header fields too large" };
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return { code: 408, reason: "Timeout", message: "the request was not received in time" };
  return { code: 400, reason: "BadRequest", message: `malformed HTTP request: ${err.code ?? err.message}` };
}

/** Answer what the HTTP parser refuses with a Status and close; never let the error escape. */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (err: ClientError, socket: Socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const s = clientErrorStatus(err);
    const body = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: s.message, reason: s.reason, code: s.code });
    socket.end(`HTTP/1.1 ${s.code} ${s.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
