// What the DNS model needs to know about a Service's endpoints, independent of where it comes
// from: core/v1 Endpoints today, discovery.k8s.io/v1 EndpointSlices later (an adapter beside
// this one turns a Service's slices into the same ServiceEndpoints). Pure.
import type { Endpoints, Pod } from "../../api/core";

export interface EndpointPortInfo {
  name?: string;
  port: number;
  /** TCP, UDP or SCTP (upper case, as in the API). */
  protocol: string;
}

export interface EndpointInfo {
  ip: string;
  /** In `addresses` (Endpoints) or `conditions.ready` (EndpointSlice). */
  ready: boolean;
  /** The endpoint's DNS hostname, when the API object gives one. */
  hostname?: string;
  ports: EndpointPortInfo[];
  /** The pod behind the endpoint, to read spec.hostname/subdomain when no hostname is given. */
  pod?: { namespace: string; name: string };
}

/** All endpoints of one Service (the union of its Endpoints subsets or of its EndpointSlices). */
export interface ServiceEndpoints {
  namespace: string;
  /** The Service's name. */
  service: string;
  endpoints: EndpointInfo[];
}

type Address = NonNullable<NonNullable<Endpoints["subsets"]>[number]["addresses"]>[number];

/** core/v1 Endpoints → ServiceEndpoints: one EndpointInfo per address per subset. */
export function fromCoreEndpoints(ep: Endpoints): ServiceEndpoints {
  const namespace = ep.metadata.namespace ?? "default";
  const endpoints: EndpointInfo[] = [];
  for (const subset of ep.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: (p.protocol ?? "TCP").toUpperCase() }));
    const add = (a: Address, ready: boolean) =>
      endpoints.push({
        ip: a.ip,
        ready,
        ...(a.hostname ? { hostname: a.hostname } : {}),
        ports,
        ...(a.targetRef?.kind === "Pod" && a.targetRef.name ? { pod: { namespace: a.targetRef.namespace ?? namespace, name: a.targetRef.name } } : {}),
      });
    for (const a of subset.addresses ?? []) add(a, true);
    for (const a of subset.notReadyAddresses ?? []) add(a, false);
  }
  return { namespace, service: ep.metadata.name ?? "", endpoints };
}

/**
 * The endpoint's hostname as the endpoints controller would have set it: its own, else the pod's
 * spec.hostname when the pod's spec.subdomain names this Service (the DNS-for-Pods rule).
 */
export function endpointHostname(ep: EndpointInfo, service: string, pod: Pod | undefined): string | undefined {
  if (ep.hostname) return ep.hostname;
  if (pod?.spec?.hostname && pod.spec.subdomain === service) return pod.spec.hostname;
  return undefined;
}

/**
 * The spec's "unique, system-assigned identifier" for an endpoint without a hostname: its IP with
 * dashes (as CoreDNS names them: 10-244-1-5, 2001-db8--1).
 */
export function dashedIp(ip: string): string {
  return ip.replace(/[.:]/g, "-");
}
