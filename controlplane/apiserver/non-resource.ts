// The paths that are not resources: /version, health, /metrics, discovery (/api, /apis and the
// group-version lists, plain and aggregated) and the OpenAPI v2 and v3 documents.
import type { Registry as MetricsRegistry } from "prom-client";
import type { ResourceType } from "../../api/resource";
import { openapiV3Document, openapiV3Root, warmOpenapiV3 } from "../../api/openapi";
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupInfo,
  apiGroupList,
  apiResourceList,
  coreVersions,
  versionInfo,
  wantsAggregated,
} from "./discovery";
import { ApiError, notFoundPath } from "./errors";
import { openapiV2Json, wantsOpenapiV2Protobuf, writeOpenapiV2Protobuf } from "./openapi-v2";
import { requestInfo, type Handler } from "./filter";
import type { CustomResources } from "./crd";
import { healthChecks, healthPath, runHealth } from "./health";
import type { Store } from "../storage/store";

export interface NonResourceConfig {
  types: ResourceType[];
  metrics: MetricsRegistry;
  /** Where the server listens ("127.0.0.1:6443"), known once it does. */
  address(): string;
  /** The custom resources the CRDs add to discovery and /openapi/v3 (crd/). */
  custom?: Pick<CustomResources, "types" | "openapiRoot" | "openapiDocument">;
  /** The store /readyz and /healthz check (Kubernetes' "etcd" check); without it they check only ping. */
  store?: Pick<Store, "currentRevision">;
}

/** How long after a server starts its OpenAPI v3 documents are built (a short-lived test server never pays). */
const OPENAPI_WARM_DELAY_MS = 1000;

export function nonResourceHandler(config: NonResourceConfig): Handler {
  warmOpenapiV3(OPENAPI_WARM_DELAY_MS);
  const health = healthChecks(config.store);
  return async (ctx) => {
    const { req, reply } = ctx;
    const c = { ...config, types: config.custom ? [...config.types, ...config.custom.types()] : config.types };
    const p = requestInfo(ctx).url.pathname.replace(/\/+$/, "") || "/";
    if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    if (p === "/version") return reply(200, versionInfo());
    const h = healthPath(p);
    if (h) {
      const r = await runHealth(health[h.endpoint], h.endpoint, h.check, requestInfo(ctx).url.searchParams);
      if (!r) throw notFoundPath();
      return reply(r.code, r.body, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    }
    if (p === "/metrics") return reply(200, await c.metrics.metrics(), { "Content-Type": c.metrics.contentType });
    if (p === "/api" || p === "/apis") {
      const agg = wantsAggregated(req.headers.accept);
      if (agg) {
        return reply(200, aggregatedDiscovery(c.types, p === "/api", agg), { "Content-Type": aggregatedContentType(agg) });
      }
      return reply(200, p === "/api" ? coreVersions(c.address()) : apiGroupList(c.types));
    }
    if (p === "/openapi/v2") {
      if (!wantsOpenapiV2Protobuf(req.headers.accept)) return reply(200, openapiV2Json());
      ctx.code = 200;
      return writeOpenapiV2Protobuf(ctx.res);
    }
    if (p.startsWith("/openapi/v3")) return reply(200, openapiDocument(p, c.custom));
    return reply(200, groupDiscovery(c.types, p));
  };
}

/** /api/v1, /apis/<group>/<version> and /apis/<group>. */
function groupDiscovery(types: ResourceType[], p: string): unknown {
  const gv = p.match(/^\/api\/(v1)$/) ?? p.match(/^\/apis\/([^/]+)\/([^/]+)$/);
  if (gv) {
    const [group, version] = p.startsWith("/api/") ? ["", gv[1]] : [gv[1], gv[2]];
    if (!types.some((t) => t.group === group && t.version === version)) throw notFoundPath();
    return apiResourceList(types, group, version);
  }
  const g = p.match(/^\/apis\/([^/]+)$/);
  const info = g ? apiGroupInfo(types, g[1]) : undefined;
  if (!info) throw notFoundPath();
  return info;
}

function openapiDocument(p: string, custom: NonResourceConfig["custom"]): unknown {
  if (p === "/openapi/v3") {
    const root = openapiV3Root();
    return custom ? { paths: { ...custom.openapiRoot(), ...root.paths } } : root;
  }
  const key = p.slice("/openapi/v3/".length);
  const doc = p.startsWith("/openapi/v3/") ? (openapiV3Document(key) ?? custom?.openapiDocument(key)) : undefined;
  if (!doc) throw notFoundPath();
  return doc;
}

