// pods/portforward as kube-apiserver 1.32 serves it to kubectl 1.32. kubectl first asks for a
// WebSocket with the subprotocol "SPDY/3.1+portforward.k8s.io" and speaks SPDY/3.1 inside its
// binary messages; the server (its TunnelingHandler) upgrades to the node's agent with a plain SPDY
// upgrade and, once the agent has switched, accepts the WebSocket and copies bytes both ways
// (portforward-tunnel.ts). On an upgrade failure kubectl falls back to the plain SPDY upgrade
// (Upgrade: SPDY/3.1, X-Stream-Protocol-Version: portforward.k8s.io), which goes to the agent as
// it came (node-proxy.ts). The agent's /portForward/<ns>/<pod> speaks the SPDY streams.
import { badRequest } from "../errors";
import { methodNotAllowed, type ResourceRequest } from "../resource-request";
import { podAgent, proxyUpgrade, requestPod } from "./node-proxy";
import { TUNNELING_PREFIX, tunnelPortForward } from "./portforward-tunnel";

/** k8s.io/apimachinery/pkg/util/portforward's KubernetesSuffix of the tunneled protocol. */
export const PORT_FORWARD_SUFFIX = "portforward.k8s.io";

/** The SPDY protocols a WebSocket request offers to tunnel ("SPDY/3.1+portforward.k8s.io" → "portforward.k8s.io"). */
export function tunneledProtocols(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.startsWith(TUNNELING_PREFIX) && p.endsWith(PORT_FORWARD_SUFFIX))
    .map((p) => p.slice(TUNNELING_PREFIX.length));
}

export async function handlePortForward(r: ResourceRequest): Promise<void> {
  if (r.method !== "GET" && r.method !== "POST") throw methodNotAllowed(r.method);
  const pod = await requestPod(r);
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") throw badRequest(`cannot port-forward to a completed pod; current phase is ${phase}`);
  const agent = await podAgent(r.server, pod);
  const path = `/portForward/${encodeURIComponent(pod.metadata.namespace!)}/${encodeURIComponent(pod.metadata.name!)}`;
  const upgrade = (r.req.headers.upgrade ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const protocols = tunneledProtocols(r.req.headers["sec-websocket-protocol"]);
    if (protocols.length === 0) throw badRequest("unable to upgrade: no tunneling spdy protocols provided");
    return tunnelPortForward(r, agent, path, protocols);
  }
  if (!upgrade) throw badRequest("Upgrade request required");
  return proxyUpgrade(r, agent, path);
}
