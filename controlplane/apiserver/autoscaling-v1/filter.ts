// autoscaling/v1 HorizontalPodAutoscalers, served as views of the stored autoscaling/v2 objects
// (kube-apiserver stores one version and converts the others): a v1 body is converted to v2 and
// goes through the v2 type's defaults, validation and storage; what comes back is converted to
// v1. This is what `kubectl autoscale` (1.32, which writes v1) needs; get, list, create, update
// and delete are served, while watch and patch are for autoscaling/v2 (405 here).
import { horizontalpodautoscalers } from "../../../api/autoscaling-resource";
import { hpaFromV1, hpaToV1, type HorizontalPodAutoscalerV1 } from "../../../api/autoscaling-v1";
import type { HorizontalPodAutoscaler } from "../../../api/autoscaling";
import type { KObject } from "../../../api/resource";
import { ApiError, badRequest, notFoundPath } from "../errors";
import { defaultManager } from "../field-manager";
import { requestInfo, type Filter, type RequestContext } from "../filter";
import type { Registry, WriteOptions } from "../registry";
import { decodeBody, readBody, type ResourcePath } from "../request";
import { parseFieldSelector, parseLabelSelector } from "../selectors";
import { TABLE_CONTENT_TYPE, toTable, wantsTable } from "../table";

export interface AutoscalingV1Config {
  registry: Registry;
  maxBodyBytes: number;
}

const rt = horizontalpodautoscalers;

function writeOptions(ctx: RequestContext, url: URL): WriteOptions {
  return {
    dryRun: url.searchParams.getAll("dryRun").includes("All"),
    fieldManager: url.searchParams.get("fieldManager") ?? defaultManager(ctx.req.headers["user-agent"]),
    fieldValidation: "Strict",
    user: ctx.user,
  };
}

/** The request's v1 body as the v2 object it stands for. */
async function v2Body(c: AutoscalingV1Config, ctx: RequestContext, ns: string): Promise<KObject> {
  const body = decodeBody(await readBody(ctx.req, c.maxBodyBytes), ctx.req.headers["content-type"]) as HorizontalPodAutoscalerV1;
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("the request body must be a JSON object");
  if ((body.apiVersion ?? "autoscaling/v1") !== "autoscaling/v1" || (body.kind ?? "HorizontalPodAutoscaler") !== "HorizontalPodAutoscaler") {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (autoscaling/v1)`);
  }
  if (!body.spec || typeof body.spec !== "object" || !body.spec.scaleTargetRef) throw badRequest("spec.scaleTargetRef: Required value");
  body.metadata = { ...(body.metadata ?? {}), namespace: body.metadata?.namespace ?? ns };
  return hpaFromV1(body) as unknown as KObject;
}

const v1 = (o: KObject) => hpaToV1(o as unknown as HorizontalPodAutoscaler);

async function serveCollection(c: AutoscalingV1Config, ctx: RequestContext, rp: ResourcePath, url: URL): Promise<void> {
  const method = ctx.req.method ?? "GET";
  if (method === "POST") {
    if (!rp.namespace) throw notFoundPath();
    const out = await c.registry.create(rt, rp.namespace, await v2Body(c, ctx, rp.namespace), writeOptions(ctx, url));
    return ctx.reply(201, v1(out.object));
  }
  if (method !== "GET" || requestInfo(ctx).verb !== "list") throw notServed(method);
  const q = {
    labelSelector: parseLabelSelector(url.searchParams.get("labelSelector")),
    fieldSelector: parseFieldSelector(url.searchParams.get("fieldSelector"), (f) => f === "metadata.name" || f === "metadata.namespace"),
  };
  const list = await c.registry.list(rt, rp.namespace, q);
  if (wantsTable(ctx.req.headers.accept)) {
    return ctx.reply(200, toTable(rt, list.items, { include: "Metadata", listMeta: { resourceVersion: list.resourceVersion } }), { "Content-Type": TABLE_CONTENT_TYPE });
  }
  ctx.reply(200, { kind: "HorizontalPodAutoscalerList", apiVersion: "autoscaling/v1", metadata: { resourceVersion: list.resourceVersion }, items: list.items.map(v1) });
}

async function serveObject(c: AutoscalingV1Config, ctx: RequestContext, rp: ResourcePath, url: URL): Promise<void> {
  const method = ctx.req.method ?? "GET";
  const ns = rp.namespace ?? "";
  const name = rp.name!;
  if (rp.subresource && (rp.subresource !== "status" || method !== "GET")) throw notServed(method);
  switch (method) {
    case "GET": {
      const obj = await c.registry.get(rt, ns, name);
      if (wantsTable(ctx.req.headers.accept)) return ctx.reply(200, toTable(rt, [obj], { include: "Metadata" }), { "Content-Type": TABLE_CONTENT_TYPE });
      return ctx.reply(200, v1(obj));
    }
    case "PUT": {
      const body = await v2Body(c, ctx, ns);
      // The stored v2 status stays (the v1 body cannot carry it); spec comes from the v1 body.
      const out = await c.registry.update(rt, ns, name, body, writeOptions(ctx, url));
      return ctx.reply(200, v1(out.object));
    }
    case "DELETE": {
      const obj = await c.registry.delete(rt, ns, name, { dryRun: url.searchParams.getAll("dryRun").includes("All") });
      return ctx.reply(200, v1(obj));
    }
    default:
      throw notServed(method);
  }
}

function notServed(method: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method}): autoscaling/v1 HorizontalPodAutoscalers are served for get, list, create, update and delete; use autoscaling/v2`);
}

/** Answers /apis/autoscaling/v1/.../horizontalpodautoscalers; everything else goes on. */
export function withAutoscalingV1(c: AutoscalingV1Config): Filter {
  return (next) => (ctx) => {
    const info = requestInfo(ctx);
    const rp = info.resource;
    if (!rp || rp.group !== "autoscaling" || rp.version !== "v1" || rp.plural !== "horizontalpodautoscalers") return next(ctx);
    return rp.name ? serveObject(c, ctx, rp, info.url) : serveCollection(c, ctx, rp, info.url);
  };
}
