// Where a proxy subresource request goes (Kubernetes' ResourceLocation of pods, services and
// nodes): the name segment carries an optional scheme and port, "[scheme:]name[:port]"
// (utilnet.SplitSchemeNamePort), and resolves to a pod IP, a ready endpoint of a Service, or a
// node's agent. Pure functions of the objects: the handler (proxy.ts) reads them.
import type { Endpoints, Node, Pod, Service } from "../../../api/core";
import { ApiError, badRequest } from "../errors";

export interface SchemeNamePort {
  scheme: "" | "http" | "https";
  name: string;
  port: string;
}

/** "https:web:443" → {https, web, 443}; undefined when it is not of that form (as Go's `valid`). */
export function splitSchemeNamePort(id: string): SchemeNamePort | undefined {
  const parts = id.split(":");
  let scheme = "";
  let name: string;
  let port = "";
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme !== "" && scheme !== "http" && scheme !== "https")) return undefined;
  return { scheme: scheme as SchemeNamePort["scheme"], name, port };
}

/** Where to send a request: scheme and host:port (the path is the request's own rest). */
export interface ProxyLocation {
  scheme: "http" | "https";
  host: string;
  port: number;
}

function hostPort(ip: string): string {
  return ip.includes(":") ? `[${ip}]` : ip;
}

export function locationUrl(loc: ProxyLocation): string {
  return `${loc.scheme}://${hostPort(loc.host)}:${loc.port}`;
}

/**
 * A pod: its IP, at the given port or else the first container's first port (80 when it has
 * none: Kubernetes leaves the port out, which the URL then defaults).
 */
export function podLocation(id: SchemeNamePort, pod: Pod): ProxyLocation {
  const ip = pod.status?.podIP;
  if (!ip) throw badRequest(`pod ${pod.metadata.name} does not have a pod IP address`);
  const first = pod.spec.containers[0]?.ports?.[0]?.containerPort;
  const scheme = id.scheme || "http";
  const port = id.port ? portNumber(id.port, `invalid pod request "${[id.scheme, id.name, id.port].filter(Boolean).join(":")}"`) : (first ?? (scheme === "https" ? 443 : 80));
  return { scheme, host: ip, port };
}

function portNumber(text: string, message: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw badRequest(message);
  return n;
}

/**
 * A Service: a ready address of its Endpoints, at the endpoint port named like the requested
 * service port (a number is looked up among the Service's ports first, as Kubernetes does).
 * Several ready addresses: one at random, so requests spread.
 */
export function serviceLocation(id: SchemeNamePort, svc: Service, eps: Endpoints | undefined, random = Math.random): ProxyLocation {
  let portName = id.port;
  if (/^\d+$/.test(portName)) {
    const wanted = Number(portName);
    const sp = (svc.spec?.ports ?? []).find((p) => p.port === wanted);
    if (!sp) throw new ApiError(503, "ServiceUnavailable", `no service port ${wanted} found for service "${id.name}"`);
    portName = sp.name ?? "";
  }
  const noEndpoints = () => new ApiError(503, "ServiceUnavailable", `no endpoints available for service "${id.name}"`);
  const candidates: ProxyLocation[] = [];
  for (const ss of eps?.subsets ?? []) {
    const port = (ss.ports ?? []).find((p) => (p.name ?? "") === portName);
    if (!port) continue;
    for (const a of ss.addresses ?? []) candidates.push({ scheme: id.scheme || "http", host: a.ip, port: port.port });
  }
  if (candidates.length === 0) throw noEndpoints();
  return candidates[Math.floor(random() * candidates.length)]!;
}

/** A node's agent (its InternalIP, else its first address, at the kubelet endpoint's port). */
export function nodeAgentLocation(node: Node, portOverride?: string): ProxyLocation {
  const addresses = node.status?.addresses ?? [];
  const address = addresses.find((a) => a.type === "InternalIP")?.address ?? addresses[0]?.address;
  if (!address) throw new ApiError(503, "ServiceUnavailable", `node ${node.metadata.name} has no address`);
  const port = portOverride ? portNumber(portOverride, `invalid node request "${node.metadata.name}:${portOverride}"`) : (node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250);
  return { scheme: "http", host: address, port };
}
