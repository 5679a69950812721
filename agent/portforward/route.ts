// The agent's /portForward/<namespace>/<pod> (the kubelet's path): an HTTP upgrade to SPDY/3.1
// with the port-forward protocol, after the same auth gate as every streaming request
// (streaming/upgrade.ts mounts this route). Refusals before the switch are HTTP answers with a
// Status (StreamError), worded as the kubelet's.
import type { Kubelet } from "../kubelet";
import type { UpgradeRoute } from "../streaming/upgrade";
import { StreamError } from "../streaming/targets";
import { portForwardStreams } from "./forward";
import { SpdySession } from "./spdy-session";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

/** The protocols the client offers in X-Stream-Protocol-Version (one header or several). */
function offeredProtocols(raw: string | string[] | undefined): string[] {
  const all = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return all.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

export function portForwardRoute(kubelet: Kubelet): UpgradeRoute {
  return async ({ req, socket, head, segments }) => {
    const [namespace, name] = segments;
    if (!namespace || !name || segments.length > 2) throw new StreamError(400, "usage: /portForward/<namespace>/<pod>");
    const pod = kubelet.pods().find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
    if (!pod) throw new StreamError(404, `pod "${name}" not found in namespace "${namespace}" on this node`);
    const ip = pod.status?.podIP;
    if (!ip) throw new StreamError(400, `pod ${namespace}/${name} has no IP address yet`);
    if ((req.headers.upgrade ?? "").toLowerCase() !== "spdy/3.1" || !/upgrade/i.test(req.headers.connection ?? "")) {
      throw new StreamError(400, "unable to upgrade: missing upgrade headers in request: port-forward needs Upgrade: SPDY/3.1");
    }
    const offered = offeredProtocols(req.headers["x-stream-protocol-version"]);
    if (offered.length && !offered.includes(PORT_FORWARD_PROTOCOL)) {
      throw new StreamError(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${PORT_FORWARD_PROTOCOL}]`);
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
        (offered.length ? `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n` : "") +
        "\r\n",
    );
    if (head.length) socket.unshift(head);
    new SpdySession(socket, portForwardStreams({ pod: `${namespace}/${name}`, uid: pod.metadata.uid, ip }));
  };
}
