// Repair of the allocation bitmaps (Kubernetes' ipallocator and portallocator repair
// controllers), at start and then periodically: each bitmap is rebuilt from the Services in the
// store, so a store that never had bitmaps gets them and a bit nobody holds (the process died
// between the bitmap commit and the Service write) is freed. A bit seen unheld is only freed
// after it was seen so `leakRepairs` times in a row: it may belong to a create still in flight on
// another server. The rebuilt bitmap is written by compare-and-swap at the revision read before
// the Services were listed, so an allocation made meanwhile makes the repair start over.
import type { Logger } from "pino";
import type { Service } from "../../../api/core";
import { AllocationBitmap } from "./bitmap";
import type { StoredRange } from "./range-store";
import type { BitmapServiceAllocator } from "./service-addresses";

export interface RepairOptions {
  listServices: () => Promise<Service[]>;
  logger: Logger;
  /** How many repairs in a row must see a bit unheld before it is freed (Kubernetes: 3). */
  leakRepairs?: number;
}

const MAX_ATTEMPTS = 20;

export class AllocatorRepair {
  /** Per range key: bit offset → how many repairs in a row saw it unheld. */
  private readonly leaks = new Map<string, Map<number, number>>();
  private readonly leakRepairs: number;

  constructor(
    private readonly allocator: BitmapServiceAllocator,
    private readonly opts: RepairOptions,
  ) {
    this.leakRepairs = opts.leakRepairs ?? 3;
  }

  async runOnce(): Promise<void> {
    await this.repair(this.allocator.ips, (svc) => this.allocator.offsetsOf(svc).ips, "cluster IP");
    await this.repair(this.allocator.ports, (svc) => this.allocator.offsetsOf(svc).ports, "node port");
  }

  /** Runs now, then every intervalMs until the returned stop is called. */
  start(intervalMs: number): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const loop = async () => {
      try {
        await this.runOnce();
      } catch (err) {
        this.opts.logger.warn({ err }, "repairing Service allocations failed; retrying later");
      }
      if (!stopped) timer = setTimeout(loop, intervalMs).unref();
    };
    timer = setTimeout(loop, intervalMs).unref();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  private async repair(range: StoredRange, offsetsOf: (svc: Service) => number[], what: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const snapshot = await range.snapshot();
      const services = await this.opts.listServices();
      const rebuilt = new AllocationBitmap(range.size);
      for (const svc of services) {
        for (const offset of offsetsOf(svc)) {
          if (!rebuilt.allocate(offset)) {
            this.opts.logger.warn({ service: `${svc.metadata?.namespace}/${svc.metadata?.name}`, what, offset }, "Service allocation held twice");
          }
        }
      }
      const leaks = this.countLeaks(range.key, snapshot.bitmap, rebuilt);
      if (snapshot.revision !== undefined && rebuilt.toBase64() === snapshot.bitmap.toBase64()) {
        this.leaks.set(range.key, leaks);
        return;
      }
      if (await range.replaceAt(rebuilt, snapshot.revision)) {
        this.leaks.set(range.key, leaks);
        return;
      }
    }
    throw new Error(`repair of ${range.key}: too many concurrent changes`);
  }

  /** Keeps in `rebuilt` the unheld bits not yet seen often enough; returns the new counts. */
  private countLeaks(key: string, stored: AllocationBitmap, rebuilt: AllocationBitmap): Map<number, number> {
    const previous = this.leaks.get(key) ?? new Map<number, number>();
    const next = new Map<number, number>();
    for (const offset of stored.allocated()) {
      if (rebuilt.has(offset)) continue;
      const seen = (previous.get(offset) ?? 0) + 1;
      if (seen < this.leakRepairs) {
        rebuilt.allocate(offset);
        next.set(offset, seen);
      } else {
        this.opts.logger.info({ key, offset }, "freed a leaked Service allocation");
      }
    }
    return next;
  }
}
