// The API server's Service allocation: the bitmap allocator and its repair loop, built from the
// server's options.
import type { Logger } from "pino";
import type { Registry as MetricsRegistry } from "prom-client";
import type { Service } from "../../../api/core";
import type { ResourceType } from "../../../api/resource";
import type { Store, StoredValue } from "../../storage/store";
import { decode } from "../codec";
import { storagePrefix } from "../keys";
import { ServiceIPRange } from "./cluster-ip";
import { NodePortRange } from "./node-port";
import { AllocatorRepair } from "./repair";
import { BitmapServiceAllocator } from "./service-addresses";

export { DEFAULT_SERVICE_CIDR, KUBERNETES_SERVICE_IP, ServiceIPRange } from "./cluster-ip";
export { NODE_PORT_MAX, NODE_PORT_MIN, NodePortRange } from "./node-port";
export { BitmapServiceAllocator, heldBy, type ServiceAllocator } from "./service-addresses";

export interface ServiceAllocationOptions {
  /** --service-cluster-ip-range (default 10.96.0.0/16). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range, "30000-32767". */
  serviceNodePortRange?: string;
  /** How often the bitmaps are rebuilt from the Services (Kubernetes: 3 minutes; here 30 s). */
  repairIntervalMs?: number;
  /** Repairs in a row that must see a bit unheld before it is freed (default 3). */
  leakRepairs?: number;
}

export interface ServiceAllocation {
  allocator: BitmapServiceAllocator;
  repair: AllocatorRepair;
  /** Repairs once (the server waits for it before serving), then periodically; returns stop. */
  startRepair(): Promise<() => void>;
}

export function parseNodePortRange(text: string): NodePortRange {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`service node port range ${text}: want low-high, e.g. 30000-32767`);
  return new NodePortRange(Number(m[1]), Number(m[2]));
}

/** A stored Service, or nothing (logged) when its text cannot be read: repair must not stop on it. */
function readable(sv: StoredValue, logger: Logger): Service[] {
  try {
    return [decode(sv) as Service];
  } catch (err) {
    logger.warn({ err, key: sv.key }, "unreadable stored Service skipped by allocator repair");
    return [];
  }
}

export function serviceAllocation(
  store: Store,
  types: ResourceType[],
  logger: Logger,
  opts: ServiceAllocationOptions = {},
  metrics?: MetricsRegistry,
): ServiceAllocation {
  const services = types.find((t) => t.kind === "Service" && t.group === "");
  if (!services) throw new Error("resource type Service missing");
  const allocator = new BitmapServiceAllocator(store, {
    ipRange: new ServiceIPRange(opts.serviceClusterIPRange),
    portRange: opts.serviceNodePortRange ? parseNodePortRange(opts.serviceNodePortRange) : new NodePortRange(),
    logger,
    metrics,
  });
  const listServices = async () => (await store.list(storagePrefix(services))).items.flatMap((sv) => readable(sv, logger));
  const repair = new AllocatorRepair(allocator, { listServices, logger, leakRepairs: opts.leakRepairs });
  return {
    allocator,
    repair,
    async startRepair() {
      await repair.runOnce();
      return repair.start(opts.repairIntervalMs ?? 30_000);
    },
  };
}
