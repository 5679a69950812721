// SPDY tunneled through a WebSocket (kube-apiserver's TunnelingHandler, by behaviour): the agent
// is asked for a plain SPDY upgrade first; only when it switches is the client's WebSocket
// accepted, with the subprotocol the agent chose ("SPDY/3.1+" + its X-Stream-Protocol-Version).
// From then on each binary message carries SPDY bytes and nothing is parsed here. An agent that
// refuses (a pod not on it, no IP yet) answers with a Status, which goes back as the answer.
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer, type WebSocket } from "ws";
import { ApiError, badRequest } from "../errors";
import type { ResourceRequest } from "../resource-request";
import { agentMessage } from "./log";
import { agentUrl, dialError, type AgentEndpoint } from "./node-proxy";
import { takeUpgrade } from "./node-proxy-upgrade";

/** k8s.io/apimachinery/pkg/util/portforward's WebsocketsSPDYTunnelingPrefix. */
export const TUNNELING_PREFIX = "SPDY/3.1+";

export function tunnelPortForward(r: ResourceRequest, agent: AgentEndpoint, path: string, protocols: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const token = r.server.nodeClient?.token;
    const up = httpRequest(agentUrl(agent, path), {
      method: "POST",
      headers: {
        Connection: "Upgrade",
        Upgrade: "SPDY/3.1",
        "X-Stream-Protocol-Version": protocols,
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    });
    up.on("upgrade", (res: IncomingMessage, agentSocket: Duplex, agentHead: Buffer) => {
      const chosen = String(res.headers["x-stream-protocol-version"] ?? "").trim();
      const taken = takeUpgrade(r.res);
      if (!taken) {
        agentSocket.destroy();
        return reject(badRequest("Upgrade request required"));
      }
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
      // "SPDY/3.1+portforward.k8s.io" has a "/", which ws's subprotocol parser refuses as no
      // token: ws handles the handshake without the header, and the chosen protocol is added to
      // its answer (the client checks it is one it offered; tunneledProtocols made sure of that).
      delete r.req.headers["sec-websocket-protocol"];
      if (chosen) wss.on("headers", (headers) => headers.push(`Sec-WebSocket-Protocol: ${TUNNELING_PREFIX}${chosen}`));
      taken.socket.once("close", () => agentSocket.destroy());
      wss.handleUpgrade(r.req, taken.socket, taken.head, (ws: WebSocket) => {
        join(createWebSocketStream(ws), agentSocket, agentHead, resolve);
      });
    });
    up.on("response", (res: IncomingMessage) => {
      // Not switched: the agent's refusal is the answer (its Status message, its code).
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const code = res.statusCode ?? 500;
        const message = agentMessage(Buffer.concat(chunks).toString("utf8").trim()) || `the node agent answered ${code}`;
        const reason = code === 404 ? "NotFound" : code === 403 ? "Forbidden" : code === 401 ? "Unauthorized" : code >= 500 ? "InternalError" : "BadRequest";
        r.reply(code, new ApiError(code, reason, message).toStatus());
        resolve();
      });
    });
    up.on("error", (e) => reject(dialError(agent, e)));
    up.end();
  });
}

/** Copies both ways until either side ends; resolves when both are closed. */
function join(tunnel: Duplex, agent: Duplex, agentHead: Buffer, done: () => void): void {
  if (agentHead.length) tunnel.write(agentHead);
  tunnel.pipe(agent);
  agent.pipe(tunnel);
  let closed = 0;
  const onClose = () => {
    tunnel.destroy();
    agent.destroy();
    if (++closed === 2) done();
  };
  tunnel.on("error", () => tunnel.destroy());
  agent.on("error", () => agent.destroy());
  tunnel.once("close", onClose);
  agent.once("close", onClose);
}
