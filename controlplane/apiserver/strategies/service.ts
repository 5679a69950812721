// Services (Kubernetes' pkg/registry/core/service/strategy.go with its REST allocation): a cluster
// IP and node ports from the allocator, kept when an update (kubectl apply) leaves them out.
import type { Service, ServicePort } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import type { ServiceAllocator } from "../allocators/service-addresses";
import { genericStrategy, keepStatus, type Strategy } from "./strategy";

type ServiceObject = KObject & Service;

export function serviceStrategy(rt: ResourceType, allocator: ServiceAllocator): Strategy<ServiceObject> {
  const generic = genericStrategy(rt) as Strategy<ServiceObject>;
  return {
    ...generic,
    prepareForCreate(svc) {
      svc.status = { loadBalancer: {} };
    },
    prepareForUpdate(next, old, subresource) {
      if (subresource === "status") return generic.prepareForUpdate(next, old, subresource);
      keepStatus(next, old);
      keepAllocations(next, old);
      return next;
    },
    async admit(svc, old) {
      if (!old) return allocator.allocate(svc, { updating: false });
      const spec = svc.spec;
      if (!spec) return;
      const needsNodePorts = hasNodePorts(svc) && (spec.ports ?? []).some((p) => !p.nodePort);
      const needsIP = !spec.clusterIP && spec.type !== "ExternalName";
      if (needsNodePorts || needsIP) await allocator.allocate(svc, { updating: true });
    },
  };
}

function hasNodePorts(svc: Service): boolean {
  return svc.spec?.type === "NodePort" || svc.spec?.type === "LoadBalancer";
}

/** The cluster IP and node ports of `old` where `next` leaves them out. */
function keepAllocations(next: ServiceObject, old: ServiceObject): void {
  const spec = next.spec ?? (next.spec = {});
  const oldSpec = old.spec ?? {};
  if (spec.clusterIP === undefined && oldSpec.clusterIP) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (!hasNodePorts(next)) return;
  const oldPorts: ServicePort[] = oldSpec.ports ?? [];
  for (const p of spec.ports ?? []) {
    if (p.nodePort) continue;
    const prev = oldPorts.find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
    if (prev?.nodePort) p.nodePort = prev.nodePort;
  }
}
