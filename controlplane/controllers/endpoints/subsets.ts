// Endpoints subsets for a Service from its pods: one address per pod with an IP (ready ones in
// addresses, the others in notReadyAddresses), ports resolved per pod (a named targetPort is
// looked up among the pod's container ports), pods with the same resolved ports grouped together.
// As Kubernetes' endpoints controller: a pod whose spec.subdomain names the Service gets its
// spec.hostname on the address (so <hostname>.<svc>.<ns>.svc resolves), and under
// publishNotReadyAddresses every pod with an IP is an address, ready or not (StatefulSet peers
// find each other before they are ready).
import type { EndpointSubset, Pod, Service } from "../../../api/core";
import { isPodReady } from "../pods";
import { compareStrings } from "../../../api/order";

type Port = NonNullable<EndpointSubset["ports"]>[number];
type Address = NonNullable<EndpointSubset["addresses"]>[number];

/** The pod's port for a service port (undefined when a named targetPort is not found on it). */
export function resolvePort(pod: Pod, sp: NonNullable<Service["spec"]>["ports"] extends (infer P)[] | undefined ? P : never): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === (sp.protocol ?? "TCP")) return p.containerPort;
    }
  }
  return undefined;
}

/** ShouldSetHostname: the pod's hostname, when its subdomain is this Service (same namespace). */
function hostnameFor(pod: Pod, svc: Service): string | undefined {
  const { hostname, subdomain } = pod.spec ?? {};
  if (!hostname || subdomain !== svc.metadata?.name || pod.metadata?.namespace !== svc.metadata?.namespace) return undefined;
  return hostname;
}

export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const groups = new Map<string, { ports: Port[]; addresses: Address[]; notReady: Address[] }>();
  const servicePorts = svc.spec?.ports ?? [];
  const publishAll = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
    const ports: Port[] = [];
    for (const sp of servicePorts) {
      const port = resolvePort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, addresses: [], notReady: [] }));
    const hostname = hostnameFor(pod, svc);
    const address: Address = {
      ip,
      ...(hostname ? { hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: "Pod", namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    (publishAll || isPodReady(pod) ? g.addresses : g.notReady).push(address);
  }
  const byIp = (a: Address, b: Address) => compareStrings(a.ip, b.ip);
  return [...groups.keys()].sort().map((k) => {
    const g = groups.get(k)!;
    return {
      ...(g.addresses.length ? { addresses: g.addresses.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    };
  });
}
