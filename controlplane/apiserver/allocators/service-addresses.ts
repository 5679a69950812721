// The Service allocator: cluster IPs and node ports, unique across Services. This one finds what
// is taken by reading every Service at allocation time (so two concurrent creates can still pick
// the same address); the seam for an atomic allocator (a bitmap in the store written with
// compare-and-swap, as Kubernetes' ipallocator and portallocator keep) is the ServiceAllocator
// interface: the strategy calls nothing else.
import type { Service } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import { decode } from "../codec";
import { ApiError, invalid } from "../errors";
import { storagePrefix } from "../keys";
import { pickClusterIP } from "./cluster-ip";
import { NODE_PORT_MAX, NODE_PORT_MIN, inNodePortRange, pickNodePort } from "./node-port";

export interface ServiceAllocator {
  /**
   * Gives `svc` a cluster IP (unless headless or ExternalName) and node ports (NodePort and
   * LoadBalancer) where it has none, and refuses, as 422, ones another Service holds or that are
   * out of range. When updating, a cluster IP the Service already has is kept unchecked.
   */
  allocate(svc: KObject & Service, opts: { updating: boolean }): Promise<void>;
}

/** Reads every Service from the store to see what is taken. */
export function scanningServiceAllocator(store: Store, services: ResourceType): ServiceAllocator {
  const listServices = async () => (await store.list(storagePrefix(services))).items.map((sv) => decode(sv) as KObject & Service);
  return {
    async allocate(svc, { updating }) {
      const others = (await listServices()).filter(
        (s) => !(s.metadata.namespace === svc.metadata.namespace && s.metadata.name === svc.metadata.name),
      );
      allocateClusterIP(svc, others, updating);
      allocateNodePorts(svc, others);
    },
  };
}

function allocateClusterIP(svc: KObject & Service, others: Service[], updating: boolean): void {
  const spec = svc.spec ?? (svc.spec = {});
  if (spec.type === "ExternalName" || spec.clusterIP === "None" || (spec.clusterIP && updating)) return;
  const used = new Set(others.map((s) => s.spec?.clusterIP));
  if (!spec.clusterIP) {
    spec.clusterIP = pickClusterIP(used);
  } else if (used.has(spec.clusterIP)) {
    throw invalid("Service", "", svc.metadata.name ?? "", [
      { reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` },
    ]);
  }
  spec.clusterIPs = [spec.clusterIP];
}

function allocateNodePorts(svc: KObject & Service, others: Service[]): void {
  const spec = svc.spec!;
  if (spec.type !== "NodePort" && spec.type !== "LoadBalancer") return;
  const used = new Set<number>();
  for (const s of others) for (const p of s.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
  const refuse = (i: number, message: string) =>
    invalid("Service", "", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, message }]);
  spec.ports?.forEach((p, i) => {
    if (p.nodePort) {
      if (!inNodePortRange(p.nodePort)) {
        throw refuse(i, `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`);
      }
      if (used.has(p.nodePort)) throw refuse(i, `Invalid value: ${p.nodePort}: provided port is already allocated`);
    } else {
      const port = pickNodePort(used);
      if (port === undefined) throw new ApiError(500, "InternalError", "no node ports left");
      p.nodePort = port;
    }
    used.add(p.nodePort);
  });
}
