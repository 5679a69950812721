// HTTP upgrade requests (exec, attach, port-forward, proxy to a WebSocket) go down the same handler
// chain as every other request: authentication, authorization, limits and metrics apply to them
// unchanged. Node hands an upgrade to the 'upgrade' event with the raw socket instead of a
// response, so the bridge gives the chain a ServerResponse bound to that socket; a handler that
// decides to switch protocols takes the socket back with takeUpgrade, and anything else (an error
// Status, a 404) is written as a normal answer after which the connection closes.
import { ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError } from "../errors";

interface Upgrade {
  socket: Duplex;
  head: Buffer;
  taken: boolean;
}

const upgrades = new WeakMap<ServerResponse, Upgrade>();

/** The upgraded connections of one server, so that close() can end them (the server does not track them). */
export interface UpgradeBridge {
  closeAll(): void;
}

export function serveUpgrades(server: Server, onRequest: (req: IncomingMessage, res: ServerResponse) => void): UpgradeBridge {
  const open = new Set<Duplex>();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
    if (hasBody(req)) return refuseBody(socket);
    const res = new ServerResponse(req);
    // The answer, when it is not a switch of protocols, is the last thing on this connection.
    res.shouldKeepAlive = false;
    res.assignSocket(socket as unknown as import("node:net").Socket);
    const up: Upgrade = { socket, head, taken: false };
    upgrades.set(res, up);
    res.on("finish", () => {
      if (!up.taken) socket.end();
    });
    onRequest(req, res);
  });
  return {
    closeAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

// Node parses no body once a request asks for an upgrade, so the chain would see an empty one:
// such a request (no client that streams sends one) is refused rather than half read.
const hasBody = (req: IncomingMessage) => Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;

function refuseBody(socket: Duplex): void {
  const body = JSON.stringify(new ApiError(400, "BadRequest", "a request with a body cannot ask for a protocol upgrade: send it without the Upgrade header").toStatus());
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Is this request an upgrade the handler may take over (it came through serveUpgrades)? */
export function isUpgrade(res: ServerResponse): boolean {
  const up = upgrades.get(res);
  return up !== undefined && !up.taken && !res.headersSent;
}

/**
 * Takes the raw connection of an upgrade request away from the response (which must not be used
 * afterwards); head holds bytes the client sent after its headers. undefined for a plain request.
 */
export function takeUpgrade(res: ServerResponse): { socket: Duplex; head: Buffer } | undefined {
  const up = upgrades.get(res);
  if (!up || up.taken || res.headersSent) return undefined;
  up.taken = true;
  res.detachSocket(up.socket as unknown as import("node:net").Socket);
  return { socket: up.socket, head: up.head };
}
