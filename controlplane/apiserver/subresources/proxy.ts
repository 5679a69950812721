// pods/proxy, services/proxy and nodes/proxy: "/api/v1/namespaces/x/services/[scheme:]web[:port]/proxy/<path>"
// is sent on to the Service's ready endpoint (a pod's IP, a node's agent) with <path>, the query
// and the body, and the answer comes back as it is. Authorization is on the subresource (get,
// create, update, patch, delete on services/proxy...), already done by the filter chain.
import type { KObject } from "../../../api/resource";
import type { Endpoints, Node, Pod, Service } from "../../../api/core";
import { badRequest } from "../errors";
import type { ResourceRequest } from "../resource-request";
import { takeUpgrade } from "./node-proxy-upgrade";
import { passThrough, upgradeThrough } from "./proxy-http";
import { nodeAgentLocation, podLocation, serviceLocation, splitSchemeNamePort, type ProxyLocation, type SchemeNamePort } from "./proxy-location";

/** The plurals that have a proxy subresource, and what their name segment is called in errors. */
const PROXIED: Record<string, string> = { pods: "pod", services: "service", nodes: "node" };

export function hasProxy(plural: string): boolean {
  return plural in PROXIED;
}

export async function handleProxy(r: ResourceRequest): Promise<void> {
  const plural = r.rt.plural;
  const id = splitSchemeNamePort(r.name!);
  if (!id) throw badRequest(`invalid ${PROXIED[plural] ?? "proxy"} request "${r.name}"`);
  const rest = restPath(r.url.pathname, plural);
  if (rest === "") {
    // kube's UpgradeAwareHandler: the root without its slash is redirected to it (issue 4958).
    const query = r.url.search;
    r.res.writeHead(301, { Location: `${r.url.pathname}/${query}`, "Content-Length": 0 });
    r.res.end();
    return;
  }
  const loc = await locate(r, plural, id);
  // A node's agent takes the API server's own credential (kube-apiserver's kubelet client); pods and Services get none.
  const token = plural === "nodes" ? r.server.nodeClient?.token : undefined;
  const opts = { target: `${rest}${r.url.search}`, headers: token ? { authorization: `Bearer ${token}` } : undefined };
  const upgrade = r.req.headers.upgrade ? takeUpgrade(r.res) : undefined;
  if (upgrade) return upgradeThrough(loc, r.req, upgrade, opts);
  await passThrough(loc, r.req, r.res, opts);
}

/** The path after ".../<name>/proxy", still percent-encoded as the client sent it ("" for none). */
export function restPath(pathname: string, plural: string): string {
  const m = new RegExp(`/${plural}/[^/]+/proxy(/.*)?$`).exec(pathname);
  return m?.[1] ?? "";
}

async function locate(r: ResourceRequest, plural: string, id: SchemeNamePort): Promise<ProxyLocation> {
  const { registry, typeOfKind } = r.server;
  if (plural === "pods") {
    const pod = (await registry.get(typeOfKind("Pod"), r.ns, id.name)) as KObject & Pod;
    return podLocation(id, pod);
  }
  if (plural === "services") {
    const svc = (await registry.get(typeOfKind("Service"), r.ns, id.name)) as KObject & Service;
    const eps = (await registry.tryGet(typeOfKind("Endpoints"), r.ns, id.name)) as (KObject & Endpoints) | undefined;
    return serviceLocation(id, svc, eps);
  }
  const node = (await registry.get(typeOfKind("Node"), undefined, id.name)) as KObject & Node;
  return nodeAgentLocation(node, id.port || undefined);
}
