// Services (Kubernetes' pkg/registry/core/service/strategy.go with its REST allocation): a cluster
// IP and node ports from the allocator, kept when an update (kubectl apply) leaves them out and
// dropped when the type no longer has them. Allocation runs in the registry's write hooks, so
// that what a failed write took is given back and what a delete held is freed.
import type { Service, ServicePort } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import type { AllocationChange, ServiceAllocator } from "../allocators/service-addresses";
import { genericStrategy, keepStatus, type FinishWrite, type Strategy, type WriteHooks } from "./strategy";

type ServiceObject = KObject & Service;

export function serviceStrategy(rt: ResourceType, allocator: ServiceAllocator): Strategy<ServiceObject> & WriteHooks<ServiceObject> {
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
      dropTypeDependentFields(next, old);
      return next;
    },
    async beginCreate(svc, { dryRun }) {
      return finisher(await allocator.allocate(svc, { updating: false, dryRun }));
    },
    async beginUpdate(next, old, { dryRun }) {
      if (JSON.stringify(next.spec) === JSON.stringify(old.spec)) return async () => {};
      return finisher(await allocator.allocate(next, { updating: true, old, dryRun }));
    },
    async afterDelete(svc) {
      await allocator.release?.(svc);
    },
  };
}

function finisher(change: AllocationChange | void): FinishWrite {
  return async (written) => change?.finish(written);
}

function hasNodePorts(svc: Service): boolean {
  return svc.spec?.type === "NodePort" || svc.spec?.type === "LoadBalancer";
}

/** The cluster IP and node ports of `old` where `next` leaves them out. */
function keepAllocations(next: ServiceObject, old: ServiceObject): void {
  const spec = next.spec ?? (next.spec = {});
  const oldSpec = old.spec ?? {};
  if (spec.clusterIP === undefined && oldSpec.clusterIP && spec.type !== "ExternalName") {
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

/**
 * A type change drops what the new type has no use for, where the client left it as it was
 * (Kubernetes' dropTypeDependentFields): node ports leaving NodePort/LoadBalancer, the cluster IP
 * becoming ExternalName. The allocator then frees them.
 */
function dropTypeDependentFields(next: ServiceObject, old: ServiceObject): void {
  const spec = next.spec!;
  const oldSpec = old.spec ?? {};
  if (spec.type === oldSpec.type) return;
  if (hasNodePorts(old) && !hasNodePorts(next)) {
    const oldNodePorts = new Set((oldSpec.ports ?? []).map((p) => p.nodePort));
    for (const p of spec.ports ?? []) if (p.nodePort !== undefined && oldNodePorts.has(p.nodePort)) delete p.nodePort;
    if (spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  }
  if (oldSpec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
  if (spec.type === "ExternalName" && spec.clusterIP === oldSpec.clusterIP) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
}
