// The Service allocator: cluster IPs and node ports from bitmaps kept in the store
// (./range-store.ts), as Kubernetes' Service REST storage does with its ipallocator and
// portallocator. A create or update takes what the Service needs and commits the bitmap BEFORE the
// Service is written; the returned change is finished by the registry once the write is known: a
// failed write gives back what was taken, a successful update gives back what the Service no
// longer holds. A delete releases everything. What a crash leaks, ./repair.ts finds and frees.
import type { Logger } from "pino";
import type { Service } from "../../../api/core";
import type { Store } from "../../storage/store";
import { ApiError, invalid } from "../errors";
import type { AllocationBitmap } from "./bitmap";
import type { Registry as MetricsRegistry } from "prom-client";
import { ServiceIPRange } from "./cluster-ip";
import { noRangeMetrics, rangeMetrics, type RangeMetrics } from "./metrics";
import { NodePortRange } from "./node-port";
import { StoredRange } from "./range-store";

/** The end of an allocation: `written` says whether the Service write it was for succeeded. */
export interface AllocationChange {
  finish(written: boolean): Promise<void>;
}

export interface ServiceAllocator {
  /**
   * Gives `svc` a cluster IP (unless headless or ExternalName) and node ports (NodePort and
   * LoadBalancer) where it has none, takes the ones it asks for, and refuses, as 422, ones that
   * are taken or out of range. `old` is the stored Service of an update: what it holds is kept.
   */
  allocate(svc: Service, opts: { updating: boolean; old?: Service; dryRun?: boolean }): Promise<AllocationChange | void>;
  /** Gives back what a deleted Service held. */
  release?(svc: Service): Promise<void>;
}

/** What a Service holds: its cluster IP and node ports (each port once). */
export interface Held {
  ip?: string;
  ports: number[];
}

export function heldBy(svc: Service): Held {
  const spec = svc.spec ?? {};
  const ip = wantsClusterIP(svc) && spec.clusterIP && spec.clusterIP !== "None" ? spec.clusterIP : undefined;
  const ports = hasNodePorts(svc) ? [...new Set((spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => p !== undefined))] : [];
  return { ip, ports };
}

function wantsClusterIP(svc: Service): boolean {
  return svc.spec?.type !== "ExternalName" && svc.spec?.clusterIP !== "None";
}

function hasNodePorts(svc: Service): boolean {
  return svc.spec?.type === "NodePort" || svc.spec?.type === "LoadBalancer";
}

function autoNodePorts(svc: Service): boolean {
  return svc.spec?.type === "NodePort" || (svc.spec?.type === "LoadBalancer" && svc.spec.allocateLoadBalancerNodePorts !== false);
}

export interface BitmapAllocatorOptions {
  ipRange?: ServiceIPRange;
  portRange?: NodePortRange;
  logger: Logger;
  random?: () => number;
  /** Where the kube_apiserver_*_allocator_* metrics go (none without). */
  metrics?: MetricsRegistry;
}

export class BitmapServiceAllocator implements ServiceAllocator {
  readonly ipRange: ServiceIPRange;
  readonly portRange: NodePortRange;
  readonly ips: StoredRange;
  readonly ports: StoredRange;
  private readonly logger: Logger;
  private readonly random: () => number;

  constructor(store: Store, opts: BitmapAllocatorOptions) {
    this.ipRange = opts.ipRange ?? new ServiceIPRange();
    this.portRange = opts.portRange ?? new NodePortRange();
    const metrics = (kind: "ip" | "port"): RangeMetrics => (opts.metrics ? rangeMetrics(opts.metrics, kind, this.ipRange.text) : noRangeMetrics);
    this.ips = new StoredRange(store, "/registry/ranges/serviceips", this.ipRange.text, this.ipRange.size, metrics("ip"));
    this.ports = new StoredRange(store, "/registry/ranges/servicenodeports", this.portRange.text, this.portRange.size, metrics("port"));
    this.logger = opts.logger;
    this.random = opts.random ?? Math.random;
  }

  /** The bitmap offsets a Service holds in each range (what repair rebuilds from). */
  offsetsOf(svc: Service): { ips: number[]; ports: number[] } {
    const held = heldBy(svc);
    const ip = held.ip === undefined ? undefined : this.ipRange.offsetOf(held.ip);
    return {
      ips: ip === undefined ? [] : [ip],
      ports: held.ports.filter((p) => this.portRange.contains(p)).map((p) => p - this.portRange.base),
    };
  }

  async allocate(svc: Service, opts: { updating: boolean; old?: Service; dryRun?: boolean }): Promise<AllocationChange> {
    const dryRun = Boolean(opts.dryRun);
    const before = opts.old ? heldBy(opts.old) : { ports: [] };
    const newIP = await this.allocateIP(svc, before, dryRun);
    let newPorts: number[];
    try {
      newPorts = await this.allocateNodePorts(svc, before, dryRun);
    } catch (e) {
      if (newIP && !dryRun) await this.releaseHeld({ ip: newIP, ports: [] });
      throw e;
    }
    const after = heldBy(svc);
    return {
      finish: async (written) => {
        if (dryRun) return;
        if (!written) return this.releaseHeld({ ip: newIP, ports: newPorts });
        await this.releaseHeld({
          ip: before.ip !== undefined && before.ip !== after.ip ? before.ip : undefined,
          ports: before.ports.filter((p) => !after.ports.includes(p)),
        });
      },
    };
  }

  async release(svc: Service): Promise<void> {
    await this.releaseHeld(heldBy(svc));
  }

  /** The cluster IP newly taken for svc (undefined when it keeps its own or needs none). */
  private async allocateIP(svc: Service, before: Held, dryRun: boolean): Promise<string | undefined> {
    const spec = (svc.spec ??= {});
    if (!wantsClusterIP(svc)) return undefined;
    const requested = spec.clusterIP || spec.clusterIPs?.[0];
    if (requested && requested === before.ip) {
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
      return undefined;
    }
    const range = this.ipRange;
    const refuse = (why: string) =>
      invalid("Service", "", svc.metadata?.name ?? "", [
        {
          reason: "FieldValueInvalid",
          field: "spec.clusterIPs",
          message: `Invalid value: []string{${(spec.clusterIPs ?? [requested]).map((ip) => `"${ip}"`).join(", ")}}: failed to allocate IP ${requested}: ${why}`,
        },
      ]);
    const scope = requested ? "static" : "dynamic";
    const ip = await this.countedChange(this.ips, scope, (bitmap) => {
      if (!requested) {
        const offset = bitmap.allocateNext(range.staticBand, this.random);
        if (offset === undefined) throw new ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
        return range.ipAt(offset);
      }
      const offset = range.offsetOf(requested);
      if (offset === undefined) throw refuse(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.text}`);
      if (!bitmap.allocate(offset)) throw refuse("provided IP is already allocated");
      return requested;
    }, dryRun);
    if (!dryRun) this.ips.metrics.allocated(scope);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    return ip;
  }

  /** The node ports newly taken for svc; sets every port's nodePort. */
  private async allocateNodePorts(svc: Service, before: Held, dryRun: boolean): Promise<number[]> {
    if (!hasNodePorts(svc)) return [];
    const ports = svc.spec?.ports ?? [];
    const wanted = ports.map((p) => p.nodePort);
    const auto = autoNodePorts(svc);
    const scope = wanted.every((p) => p !== undefined) ? "static" : "dynamic";
    const { assigned, taken } = await this.countedChange(this.ports, scope, (bitmap) => this.takePorts(svc, wanted, before, auto, bitmap), dryRun);
    if (!dryRun) {
      const asked = taken.filter((p) => wanted.includes(p)).length;
      this.ports.metrics.allocated("static", asked);
      this.ports.metrics.allocated("dynamic", taken.length - asked);
    }
    ports.forEach((p, i) => {
      if (assigned[i] !== undefined) p.nodePort = assigned[i];
    });
    return taken;
  }

  private takePorts(svc: Service, wanted: (number | undefined)[], before: Held, auto: boolean, bitmap: AllocationBitmap) {
    const range = this.portRange;
    const refuse = (i: number, port: number, why: string) =>
      invalid("Service", "", svc.metadata?.name ?? "", [
        { reason: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port}: ${why}` },
      ]);
    const assigned: (number | undefined)[] = [];
    const taken: number[] = [];
    const mine = new Set(before.ports);
    wanted.forEach((port, i) => {
      if (port === undefined) {
        if (!auto) return assigned.push(undefined);
        const offset = bitmap.allocateNext(range.staticBand, this.random);
        if (offset === undefined) throw new ApiError(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full");
        port = range.base + offset;
      } else if (!mine.has(port)) {
        if (!range.contains(port)) throw refuse(i, port, `provided port is not in the valid range. The range of valid ports is ${range.text}`);
        if (!bitmap.allocate(port - range.base)) throw refuse(i, port, "provided port is already allocated");
      }
      if (!mine.has(port)) taken.push(port);
      mine.add(port);
      assigned.push(port);
    });
    return { assigned, taken };
  }

  /** A range change whose refusal (422, range full) is counted as an allocation error. */
  private async countedChange<T>(range: StoredRange, scope: "static" | "dynamic", change: (bitmap: AllocationBitmap) => T, dryRun: boolean): Promise<T> {
    try {
      return await range.change(change, { dryRun });
    } catch (e) {
      if (e instanceof ApiError && !dryRun) range.metrics.failed(scope);
      throw e;
    }
  }

  /** Frees items; a failure only leaks them until repair (a delete must not fail for it). */
  private async releaseHeld(held: Held): Promise<void> {
    const ipOffset = held.ip === undefined ? undefined : this.ipRange.offsetOf(held.ip);
    const portOffsets = held.ports.filter((p) => this.portRange.contains(p)).map((p) => p - this.portRange.base);
    try {
      if (ipOffset !== undefined) await this.ips.change((bitmap) => bitmap.release(ipOffset));
      if (portOffsets.length > 0) await this.ports.change((bitmap) => portOffsets.forEach((o) => bitmap.release(o)));
    } catch (err) {
      this.logger.warn({ err, ip: held.ip, nodePorts: held.ports }, "releasing Service allocations failed; repair frees them later");
    }
  }
}
