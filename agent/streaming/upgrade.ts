// The agent's upgrade requests (the kubelet's streaming endpoints on the main port): checked by the
// same gate as every other request there (auth/gate.ts), then /exec/... and /attach/... become a
// WebSocket session (session.ts) once the pod, the container and the protocol are known to be
// good. Every refusal before the switch is an HTTP answer with a Status, so kubectl prints the
// reason; nothing here throws to the process.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { statusFromHttp } from "../../client/errors";
import { refusal, type AgentAuth } from "../auth/gate";
import type { Kubelet } from "../kubelet";
import { negotiate, PROTOCOLS } from "./protocol";
import { runSession } from "./session";
import { parseStreamRequest, runningContainer, startAttach, startExec, StreamError } from "./targets";

/** What an upgrade route gets: the raw request, its parsed path, and the connection. */
export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
  /** Path segments after the first (the route's name), decoded. */
  segments: string[];
}
export type UpgradeRoute = (ctx: UpgradeContext) => Promise<void>;

export interface StreamingOptions {
  kubelet: Kubelet;
  docker: Docker;
  auth?: AgentAuth;
  log?: Logger;
  /** More upgrade endpoints by first path segment (e.g. portForward). */
  routes?: Record<string, UpgradeRoute>;
}

/** An HTTP answer with a Status body on a connection that was not upgraded, then the end of it. */
export function refuseUpgrade(socket: Duplex, code: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(statusFromHttp(code, message));
  const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error" }[code] ?? "Error";
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** What to answer for a failure: ours as they are; Docker's conflict (the container stopped meanwhile) is the caller's 400. */
function failure(err: unknown): { code: number; message: string } {
  if (err instanceof StreamError) return { code: err.code, message: err.message };
  const docker = err as { statusCode?: number; json?: { message?: string }; message?: string };
  if (docker?.statusCode === 409) return { code: 400, message: docker.json?.message ?? docker.message ?? "container is not running" };
  return { code: 500, message: docker?.message ?? String(err) };
}

function parse(target: string | undefined): { url: URL; segments: string[] } {
  const raw = target ?? "/";
  if (!raw.startsWith("/")) throw new StreamError(400, "malformed request target");
  try {
    const url = new URL(`http://agent${raw}`);
    return { url, segments: url.pathname.split("/").filter(Boolean).map(decodeURIComponent) };
  } catch {
    throw new StreamError(400, "malformed request target");
  }
}

export function streamingUpgrades(opts: StreamingOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => negotiate(offered) ?? false });
  const remoteCommand = (kind: "exec" | "attach"): UpgradeRoute => async ({ req, socket, head, url, segments }) => {
    const r = parseStreamRequest(kind, segments, url.searchParams);
    const id = runningContainer(opts.kubelet, r);
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      throw new StreamError(400, `${req.headers.upgrade ?? "this"} upgrade is not supported here: use a WebSocket client (${PROTOCOLS[0]})`);
    }
    const offered = new Set((req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim()).filter(Boolean));
    const protocol = negotiate(offered);
    if (!protocol) throw new StreamError(400, `none of the requested protocols is supported: [${[...offered].join(", ")}]; the node speaks ${PROTOCOLS.join(", ")}`);
    // Docker's side starts first, so that nothing the client sends right after the switch is lost.
    const target = await (kind === "exec" ? startExec(opts.docker, id, r) : startAttach(opts.docker, id, r));
    socket.once("close", () => target.stream.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => void runSession(ws, protocol, target, opts.log));
  };
  const routes: Record<string, UpgradeRoute> = { exec: remoteCommand("exec"), attach: remoteCommand("attach"), ...opts.routes };
  const serve = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { url, segments } = parse(req.url);
    const refused = await refusal(opts.auth, req, url.pathname);
    if (refused) return refuseUpgrade(socket, refused.code, refused.message);
    const route = routes[segments[0] ?? ""];
    if (!route) return refuseUpgrade(socket, 404, "404 page not found");
    await route({ req, socket, head, url, segments: segments.slice(1) });
  };
  return (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    serve(req, socket, head).catch((err: unknown) => {
      const { code, message } = failure(err);
      if (code === 500) opts.log?.warn({ err: message, url: req.url }, "streaming request failed");
      refuseUpgrade(socket, code, message);
    });
  };
}
