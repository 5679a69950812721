// metrics.k8s.io/v1beta1, served by the API server itself from the metrics store (where a cluster
// with metrics-server has the aggregator proxy to it): NodeMetrics and PodMetrics, get and list,
// pods per namespace or across all, label and field selectors matched against the nodes' and
// pods' own labels (as metrics-server joins its points with its node and pod informers), and a
// Table when kubectl asks for one. Only get and list: anything else is 405, as metrics-server
// answers. Authorization ran before (withAuthorization), so RBAC on nodes.metrics.k8s.io holds.
import { METRICS_GROUP, METRICS_VERSION, type NodeMetrics, type PodMetrics } from "../../../api/metrics";
import type { KObject, ResourceType } from "../../../api/resource";
import type { MetricsStore } from "./store";
import { ApiError, notFound, notFoundPath } from "../errors";
import { requestInfo, type Filter, type RequestContext } from "../filter";
import type { ListQuery, Registry } from "../registry";
import type { ResourcePath } from "../request";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "../selectors";
import { TABLE_CONTENT_TYPE, wantsTable } from "../table";
import { metricsList, metricsTable, nodeMetrics, podMetrics } from "./objects";

export interface MetricsApiConfig {
  store: MetricsStore;
  registry: Registry;
  pods: ResourceType;
}

const FIELDS = new Set(["metadata.name", "metadata.namespace"]);

function listQuery(url: URL): ListQuery {
  return {
    labelSelector: parseLabelSelector(url.searchParams.get("labelSelector")),
    fieldSelector: parseFieldSelector(url.searchParams.get("fieldSelector"), (f) => FIELDS.has(f)),
  };
}

/** Nodes from the store alone (the scraper keeps their labels): no read of the Nodes per request. */
function nodeAnswer(c: MetricsApiConfig, rp: ResourcePath, url: URL): NodeMetrics[] | NodeMetrics {
  const now = Date.now();
  const q = listQuery(url);
  const all = c.store.nodePoints();
  const asObject = (n: (typeof all)[number]) => ({ apiVersion: "v1", kind: "Node", metadata: { name: n.name, labels: n.labels } });
  if (rp.name) {
    const n = all.find((x) => x.name === rp.name);
    if (!n) throw notFound("nodemetrics", METRICS_GROUP, rp.name);
    return nodeMetrics(asObject(n), n.point, now);
  }
  const fields = q.fieldSelector ?? [];
  return all
    .filter((n) => matchesLabels(q.labelSelector ?? [], n.labels) && matchesFields(fields, (f) => (f === "metadata.name" ? n.name : "")))
    .map((n) => nodeMetrics(asObject(n), n.point, now));
}

async function podAnswer(c: MetricsApiConfig, rp: ResourcePath, url: URL): Promise<PodMetrics[] | PodMetrics> {
  const now = Date.now();
  if (rp.name) {
    const ns = rp.namespace ?? "";
    const pod = await c.registry.tryGet(c.pods, ns, rp.name);
    const point = pod && c.store.pod(ns, rp.name);
    if (!pod || !point) throw notFound("podmetrics", METRICS_GROUP, `${ns}/${rp.name}`);
    return podMetrics(pod, point, now);
  }
  const pods = (await c.registry.list(c.pods, rp.namespace, listQuery(url))).items;
  const out: PodMetrics[] = [];
  for (const pod of pods) {
    const point = c.store.pod(pod.metadata.namespace!, pod.metadata.name!);
    if (point) out.push(podMetrics(pod, point, now));
  }
  return out;
}

async function serve(c: MetricsApiConfig, ctx: RequestContext, rp: ResourcePath): Promise<void> {
  const info = requestInfo(ctx);
  const resource = rp.plural === "nodes" && !rp.namespace ? "nodes" : rp.plural === "pods" ? "pods" : undefined;
  if (rp.version !== METRICS_VERSION || !resource || rp.subresource) throw notFoundPath();
  if (info.verb !== "get" && info.verb !== "list") {
    throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }
  const answer = resource === "nodes" ? nodeAnswer(c, rp, info.url) : await podAnswer(c, rp, info.url);
  const items = Array.isArray(answer) ? answer : [answer];
  if (wantsTable(ctx.req.headers.accept)) {
    const include = info.url.searchParams.get("includeObject");
    const table = metricsTable(items, include === "None" || include === "Object" ? include : "Metadata");
    return ctx.reply(200, table, { "Content-Type": TABLE_CONTENT_TYPE });
  }
  if (!Array.isArray(answer)) return ctx.reply(200, answer);
  ctx.reply(200, metricsList(resource === "nodes" ? "NodeMetricsList" : "PodMetricsList", items as unknown as KObject[]));
}

/** Answers metrics.k8s.io requests; without a config (no metrics pipeline) it passes them on. */
export function withMetricsApi(c: MetricsApiConfig | undefined): Filter {
  if (!c) return (next) => next;
  return (next) => (ctx) => {
    const rp = requestInfo(ctx).resource;
    if (rp && rp.group === METRICS_GROUP) return serve(c, ctx, rp);
    return next(ctx);
  };
}
