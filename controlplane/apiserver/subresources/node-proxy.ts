// The API server's way to a node agent (kube-apiserver's kubelet client): where the agent of a pod's
// node listens, and an authenticated HTTP request or protocol upgrade to it. pods/log, exec, attach
// (and port-forward and the proxy subresources) all go through here, so the credential the server
// presents (node-proxy-credential.ts) and the wording of "the node cannot be reached" are in one place.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { KObject } from "../../../api/resource";
import type { Node, Pod } from "../../../api/core";
import { ApiError, badRequest, notFound } from "../errors";
import type { ResourceContext, ResourceRequest } from "../resource-request";
import { takeUpgrade } from "./node-proxy-upgrade";

/** Where one node's agent serves its main port (10250). */
export interface AgentEndpoint {
  nodeName: string;
  host: string;
  port: number;
}

/** The pod of the request (namespace and name from the URL). */
export async function requestPod(r: ResourceRequest): Promise<KObject & Pod> {
  return (await r.server.registry.get(r.server.typeOfKind("Pod"), r.ns!, r.name!)) as KObject & Pod;
}

/** The agent of the node a pod runs on; a pod not yet scheduled is a 400, as on Kubernetes. */
export async function podAgent(server: ResourceContext, pod: Pod & KObject): Promise<AgentEndpoint> {
  if (!pod.spec.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return nodeAgent(server, pod.spec.nodeName);
}

/** The agent of a node, from its status (InternalIP first, the kubelet endpoint's port). */
export async function nodeAgent(server: ResourceContext, nodeName: string): Promise<AgentEndpoint> {
  const node = (await server.registry.tryGet(server.typeOfKind("Node"), undefined, nodeName)) as (KObject & Node) | undefined;
  if (!node) throw notFound("nodes", "", nodeName);
  const addresses = node.status?.addresses ?? [];
  const address = addresses.find((a) => a.type === "InternalIP")?.address ?? addresses[0]?.address;
  if (!address) throw new ApiError(500, "InternalError", `node ${nodeName} has no address`);
  return { nodeName, host: address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250 };
}

export function agentUrl(a: AgentEndpoint, path: string): string {
  return `http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}${path}`;
}

/** The headers that authenticate the API server to agents (none when it has no credential). */
function credentialHeaders(server: ResourceContext): Record<string, string> {
  const token = server.nodeClient?.token;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A GET to the agent, authenticated; the caller handles the answer and errors. */
export function agentGet(server: ResourceContext, a: AgentEndpoint, path: string, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const up = httpRequest(agentUrl(a, path), { method: "GET", headers: credentialHeaders(server) }, onResponse);
  up.end();
  return up;
}

const DIAL_TIMEOUT_MS = 10_000;

/** kube-apiserver's wording when a node's agent cannot be reached. */
export function dialError(a: AgentEndpoint, err: Error): ApiError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ECONNREFUSED" ? "connect: connection refused" : code === "ETIMEDOUT" ? "i/o timeout" : err.message;
  return new ApiError(500, "InternalError", `error dialing backend: dial tcp ${a.host}:${a.port}: ${why}`);
}

// Headers that describe the client's connection to this server, or its identity here, and so
// do not go on to the agent: the server presents its own credential there.
const NOT_FORWARDED = new Set(["host", "authorization", "impersonate-user", "impersonate-group", "impersonate-uid", "content-length", "transfer-encoding", "proxy-authorization"]);

function upgradeRequestHead(r: ResourceRequest, a: AgentEndpoint, path: string): string {
  const lines = [`${r.method} ${path} HTTP/1.1`, `Host: ${a.host}:${a.port}`];
  const raw = r.req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (NOT_FORWARDED.has(name) || name.startsWith("impersonate-extra-")) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  for (const [k, v] of Object.entries(credentialHeaders(r.server))) lines.push(`${k}: ${v}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

/**
 * Proxies an upgrade request to the agent, as kube-apiserver's UpgradeAwareHandler does: the
 * request goes on with the server's credential, and from then on bytes flow both ways unchanged,
 * so the agent's answer (101, or its error Status) reaches the client as the agent gave it.
 * Resolves when both connections are closed. An agent that cannot be reached is an error Status.
 */
export function proxyUpgrade(r: ResourceRequest, a: AgentEndpoint, path: string): Promise<void> {
  if (!r.req.headers.upgrade) return Promise.reject(badRequest("Upgrade request required"));
  return new Promise<void>((resolve, reject) => {
    const agent = connect({ host: a.host, port: a.port });
    let client: Duplex | undefined;
    agent.setNoDelay(true);
    // A node that is gone may not even refuse: give up on the dial after a while, as Go's dialer does.
    agent.setTimeout(DIAL_TIMEOUT_MS, () => agent.destroy(Object.assign(new Error("i/o timeout"), { code: "ETIMEDOUT" })));
    agent.once("error", (err) => {
      if (!client) return reject(dialError(a, err));
      client.destroy();
    });
    agent.once("connect", () => {
      agent.setTimeout(0);
      const taken = takeUpgrade(r.res);
      if (!taken) {
        agent.destroy();
        return reject(badRequest("Upgrade request required"));
      }
      client = taken.socket;
      const c = client;
      (c as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      agent.write(upgradeRequestHead(r, a, path));
      if (taken.head.length) agent.write(taken.head);
      c.pipe(agent);
      agent.pipe(c);
      c.on("error", () => agent.destroy());
      let closed = 0;
      const onClose = () => {
        c.destroy();
        agent.destroy();
        if (++closed === 2) resolve();
      };
      c.once("close", onClose);
      agent.once("close", onClose);
    });
  });
}
