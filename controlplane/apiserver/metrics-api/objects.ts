// NodeMetrics and PodMetrics objects from the store's points, and their Table (metrics-server's
// table convertor: Name, one column per resource, Window). Pure functions of points and objects.
import { cpuQuantity, goDuration, memoryQuantity, METRICS_GROUP, METRICS_VERSION, type NodeMetrics, type PodMetrics } from "../../../api/metrics";
import type { KObject } from "../../../api/resource";
import { rfc3339 } from "../../../api/time";
import type { PodPoint, UsagePoint } from "./store";

const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

const usage = (p: Pick<UsagePoint, "cpuNanoCores" | "memoryBytes">) => ({ cpu: cpuQuantity(p.cpuNanoCores), memory: memoryQuantity(p.memoryBytes) });

/** The object's metadata as metrics-server gives it: name, namespace, labels, created now. */
function metadataOf(o: KObject, now: number): KObject["metadata"] {
  return {
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    creationTimestamp: rfc3339(now),
    ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
  };
}

export function nodeMetrics(node: KObject, p: UsagePoint, now: number): NodeMetrics & KObject {
  return {
    kind: "NodeMetrics",
    apiVersion: API_VERSION,
    metadata: metadataOf(node, now),
    timestamp: rfc3339(p.timestampMs),
    window: goDuration(p.windowMs),
    usage: usage(p),
  } as NodeMetrics & KObject;
}

export function podMetrics(pod: KObject, p: PodPoint, now: number): PodMetrics & KObject {
  return {
    kind: "PodMetrics",
    apiVersion: API_VERSION,
    metadata: metadataOf(pod, now),
    timestamp: rfc3339(p.timestampMs),
    window: goDuration(p.windowMs),
    containers: p.containers.map((c) => ({ name: c.name, usage: usage(c) })),
  } as PodMetrics & KObject;
}

export function metricsList(kind: "NodeMetricsList" | "PodMetricsList", items: KObject[]) {
  return { kind, apiVersion: API_VERSION, metadata: {}, items };
}

const column = (name: string, format: string, description = "") => ({ name, type: "string", format, description, priority: 0 });

/** The Table `kubectl get nodes.metrics.k8s.io` prints: Name, cpu, memory, Window. */
export function metricsTable(items: Array<NodeMetrics | PodMetrics>, include: "None" | "Metadata" | "Object") {
  const sum = (m: NodeMetrics | PodMetrics) => {
    if ("usage" in m) return { cpu: m.usage.cpu ?? "0", memory: m.usage.memory ?? "0" };
    const nano = m.containers.reduce((a, c) => a + Number.parseInt(String(c.usage.cpu ?? "0"), 10), 0);
    const kib = m.containers.reduce((a, c) => a + Number.parseInt(String(c.usage.memory ?? "0"), 10), 0);
    return { cpu: cpuQuantity(nano), memory: `${kib}Ki` };
  };
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: [column("Name", "name", "Name of the resource"), column("cpu", "quantity"), column("memory", "quantity"), column("Window", "duration")],
    rows: items.map((m) => {
      const u = sum(m);
      const object = include === "None" ? undefined : include === "Object" ? m : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: m.metadata };
      return { cells: [m.metadata.name, String(u.cpu), String(u.memory), m.window], ...(object ? { object } : {}) };
    }),
  };
}
