// HTTP upgrade requests (exec, attach, port-forward, proxy to a WebSocket) go down the same handler
// chain as every other request: authentication, authorization, limits and metrics apply to them
// unchanged. Node hands an upgrade to the 'upgrade' event with the raw socket instead of a
// response, so the bridge gives the chain a ServerResponse bound to that socket; a handler that
// decides to switch protocols takes the socket back with takeUpgrade, and anything else (an error
// Status, a 404) is written as a normal answer after which the connection closes.
import { ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";

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
