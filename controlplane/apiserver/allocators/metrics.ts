// The allocators' metrics, in Kubernetes' names (pkg/registry/core/service/ipallocator/metrics.go
// and portallocator/metrics.go): kube_apiserver_clusterip_allocator_* and
// kube_apiserver_nodeport_allocator_* (allocated and available now; allocations and errors by
// scope, static = asked for, dynamic = picked). Several API servers in one process share them.
import { Counter, Gauge, type Registry } from "prom-client";
import type { AllocationBitmap } from "./bitmap";

export type AllocationScope = "static" | "dynamic";

export interface RangeMetrics {
  observe(bitmap: AllocationBitmap): void;
  allocated(scope: AllocationScope, n?: number): void;
  failed(scope: AllocationScope): void;
}

export const noRangeMetrics: RangeMetrics = { observe() {}, allocated() {}, failed() {} };

export function rangeMetrics(registry: Registry, kind: "ip" | "port", cidr: string): RangeMetrics {
  const subsystem = kind === "ip" ? "clusterip_allocator" : "nodeport_allocator";
  const unit = kind === "ip" ? "ips" : "ports";
  const labels = kind === "ip" ? ["cidr"] : [];
  const name = (n: string) => `kube_apiserver_${subsystem}_${n}`;
  const metric = <T>(n: string, make: () => T): T => (registry.getSingleMetric(name(n)) as T | undefined) ?? make();
  const registers = [registry];
  const allocatedNow = metric(`allocated_${unit}`, () => new Gauge({ name: name(`allocated_${unit}`), help: `Allocated ${unit} of the range`, labelNames: labels, registers }));
  const available = metric(`available_${unit}`, () => new Gauge({ name: name(`available_${unit}`), help: `Free ${unit} of the range`, labelNames: labels, registers }));
  const total = metric("allocation_total", () => new Counter({ name: name("allocation_total"), help: `${unit} allocations by scope`, labelNames: [...labels, "scope"], registers }));
  const errors = metric("allocation_errors_total", () => new Counter({ name: name("allocation_errors_total"), help: `Refused ${unit} allocations by scope`, labelNames: [...labels, "scope"], registers }));
  const base = kind === "ip" ? { cidr } : {};
  return {
    observe(bitmap) {
      const used = bitmap.count();
      allocatedNow.set(base, used);
      available.set(base, bitmap.size - used);
    },
    allocated: (scope, n = 1) => n > 0 && total.inc({ ...base, scope }, n),
    failed: (scope) => errors.inc({ ...base, scope }),
  };
}
