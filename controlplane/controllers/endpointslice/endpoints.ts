// What a Service's EndpointSlices should hold, as Kubernetes' endpointslice controller computes
// it (podToEndpoint, ShouldPodBeInEndpoints, getEndpointPorts): one endpoint per pod with an IP of
// the slice's family, grouped by the ports the pod resolves the Service's ports to.
import type { Node, Pod, Service } from "../../../api/core";
import type { Endpoint, EndpointPort } from "../../../api/discovery";
import { MANAGED_BY_LABEL, ENDPOINTSLICE_CONTROLLER_NAME, SERVICE_NAME_LABEL } from "../../../api/discovery";
import { isPodReady } from "../pods";
import { resolvePort } from "../endpoints/subsets";

export type AddressType = "IPv4" | "IPv6";

/** The endpoints that share one port set: they go into the same slices. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export const HEADLESS_LABEL = "service.kubernetes.io/headless";
const ZONE_LABEL = "topology.kubernetes.io/zone";

/** The address types the Service's slices carry: its ipFamilies, IPv4 when unset. */
export function addressTypesOf(svc: Service): AddressType[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === "IPv4" || f === "IPv6");
  return fams.length ? fams : ["IPv4"];
}

/** ShouldPodBeInEndpoints with terminating pods included: an IP, and not finished. */
export function shouldPodBeInEndpoints(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  return Boolean(pod.status?.podIP || pod.status?.podIPs?.length);
}

function podAddress(pod: Pod, type: AddressType): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => Boolean(ip));
  return ips.find((ip) => (type === "IPv6") === ip.includes(":"));
}

/** The pod's endpoint: ready = Ready and not terminating (or publishNotReadyAddresses), serving = Ready. */
export function podToEndpoint(pod: Pod, svc: Service, address: string, node: Node | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const ready = Boolean(svc.spec?.publishNotReadyAddresses) || (serving && !terminating);
  const ep: Endpoint = {
    addresses: [address],
    conditions: { ready, serving, terminating },
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  // ShouldSetHostname: the pod names this Service as its subdomain.
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace) ep.hostname = pod.spec.hostname;
  return ep;
}

/** The Service's ports as this pod serves them; a named targetPort the pod lacks is left out. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = resolvePort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** A port set's identity: the same ports in any order are one group. */
export function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].map((p) => [p.name ?? "", p.port ?? null, p.protocol ?? "TCP", p.appProtocol ?? ""]).sort());
}

/** Desired endpoints of one address type, by port set. */
export function desiredGroups(svc: Service, pods: Pod[], type: AddressType, nodeOf: (name: string) => Node | undefined): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod)) continue;
    const address = podAddress(pod, type);
    if (!address) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc, address, pod.spec?.nodeName ? nodeOf(pod.spec.nodeName) : undefined));
  }
  return groups;
}

/** The slice labels: the Service's own (but the reserved two), its name, the manager, headless. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v;
  }
  if (svc.spec?.clusterIP === "None") labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
  return labels;
}

/** Which endpoint of a slice stands for which pod (or address, for endpoints without a targetRef). */
export const endpointKey = (ep: Endpoint): string => ep.targetRef?.uid || `${ep.targetRef?.namespace ?? ""}/${ep.targetRef?.name ?? ""}/${ep.addresses.join(",")}`;

/** An endpoint's content in a fixed field order: equal endpoints, whatever their key order, print alike. */
export function endpointFingerprint(ep: Endpoint): string {
  const c = ep.conditions ?? {};
  const r = ep.targetRef ?? {};
  return JSON.stringify([ep.addresses, c.ready, c.serving, c.terminating, ep.hostname, ep.nodeName, ep.zone, r.kind, r.namespace, r.name, r.uid, ep.hints, ep.deprecatedTopology]);
}
