// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (k8s.io/metrics): what metrics-server serves
// and `kubectl top` reads. Never stored: the API server answers them from the metrics store
// (controlplane/metrics-server), so the types are here for discovery, validation of nothing and
// the shape of the answers. Usage is in Kubernetes' quantities: CPU in nanocores ("12345n"),
// memory in kibibytes ("2048Ki"), as metrics-server formats them.
import { z } from "zod";
import { defineResource } from "./define";
import { ObjectMeta, Time, typeMeta } from "./meta";
import { Quantity } from "./quantity-schema";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";

const meta = (name: string, description: string) => ({ id: `io.k8s.metrics.pkg.apis.metrics.v1beta1.${name}`, description });
const ResourceList = z.record(z.string(), Quantity);
const window = z.string().describe("The window [Timestamp-Window, Timestamp] from which these metrics were calculated.");
const timestamp = Time.describe("The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].");

export const NodeMetrics = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    timestamp,
    window,
    usage: ResourceList.describe("The memory usage is the memory working set."),
  })
  .meta(meta("NodeMetrics", "NodeMetrics sets resource usage metrics of a node."));
export type NodeMetrics = z.infer<typeof NodeMetrics>;

export const ContainerMetrics = z
  .strictObject({
    name: z.string().describe("Container name corresponding to the one from pod.spec.containers."),
    usage: ResourceList.describe("The memory usage is the memory working set."),
  })
  .meta(meta("ContainerMetrics", "ContainerMetrics sets resource usage metrics of a container."));
export type ContainerMetrics = z.infer<typeof ContainerMetrics>;

export const PodMetrics = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    timestamp,
    window,
    containers: z.array(ContainerMetrics).describe("Metrics for all containers are collected within the same time window."),
  })
  .meta(meta("PodMetrics", "PodMetrics sets resource usage metrics of a pod."));
export type PodMetrics = z.infer<typeof PodMetrics>;

export const nodemetrics = defineResource<NodeMetrics>({
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind: "NodeMetrics",
  plural: "nodes",
  singular: "",
  namespaced: false,
  verbs: ["get", "list"],
  schema: NodeMetrics,
});

export const podmetrics = defineResource<PodMetrics>({
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind: "PodMetrics",
  plural: "pods",
  singular: "",
  namespaced: true,
  verbs: ["get", "list"],
  schema: PodMetrics,
});

/** The two served metrics resources, in discovery order. */
export const metricsResourceTypes = [nodemetrics, podmetrics];

/** CPU in nanocores as metrics-server writes it ("123456n"). */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** Memory in kibibytes as metrics-server writes it ("2048Ki"); whole bytes when not a multiple. */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? `${b / 1024}Ki` : String(b);
}

/** A window as Go's time.Duration.String() prints it ("15.012s", "1m0s"). */
export function goDuration(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = +(totalSeconds % 60).toFixed(3);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
