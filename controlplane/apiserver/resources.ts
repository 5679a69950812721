// The resource endpoints: get, list, watch, create, update, patch, delete and deletecollection;
// the subresources status and finalize go through update and patch, scale, binding and log
// through ./subresources.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KObject } from "../../api/resource";
import { ApiError, badRequest, notFoundPath } from "./errors";
import { requestInfo, type RequestContext } from "./filter";
import { apiVersionOf, supportsField } from "./keys";
import { applyPatch } from "./patching";
import type { DeleteOptions, ListOutcome, ListQuery, WriteResult } from "./registry";
import { boolParam, decodeBody, readBody } from "./request";
import { checkKind, methodNotAllowed, readObject, writeOptions, type ResourceContext, type ResourceRequest } from "./resource-request";
import { parseFieldSelector, parseLabelSelector } from "./selectors";
import { handleBinding } from "./subresources/binding";
import { handleLog } from "./subresources/log";
import { handleStream } from "./subresources/exec";
import { handleProxy } from "./subresources/proxy";
import { handlePortForward } from "./subresources/portforward";
import { handleScale } from "./subresources/scale";
import { customScale, handleCustomScale } from "./crd/scale";
import { conversionOf, convertingReply, watchSources } from "./crd/conversion";
import { customInfo } from "./crd/custom-type";
import { TABLE_CONTENT_TYPE, toTable, wantsTable, type IncludeObject } from "./table";
import { serveWatch } from "./watch";

export type { ResourceContext } from "./resource-request";

export async function handleResource(server: ResourceContext, ctx: RequestContext): Promise<void> {
  const { url, resource: rp } = requestInfo(ctx);
  if (!rp) throw notFoundPath();
  const rt = server.findType(rp.group, rp.version, rp.plural);
  if (!rt) throw notFoundPath();
  if (rt.namespaced === false && rp.namespace) throw notFoundPath();
  const sub = rp.subresource;
  if (sub && !(rt.subresources as string[]).includes(sub) && !(rt.kind === "Namespace" && sub === "finalize")) throw notFoundPath();
  const r: ResourceRequest = {
    server,
    rt,
    ns: rt.namespaced ? rp.namespace : undefined,
    name: rp.name,
    subresource: sub,
    method: ctx.req.method ?? "GET",
    url,
    query: url.searchParams,
    req: ctx.req,
    res: ctx.res,
    reply: convertingReply(rt, ctx.reply),
    user: ctx.user,
  };
  if (!r.name) return handleCollection(r);
  if (sub === "log") return handleLog(r);
  if (sub === "exec" || sub === "attach") return handleStream(r, sub);
  if (sub === "proxy") return handleProxy(r);
  if (sub === "portforward") return handlePortForward(r);
  if (sub === "binding") return handleBinding(r);
  if (sub === "scale") return customScale(rt) ? handleCustomScale(r, customScale(rt)!) : handleScale(r);
  return handleObject(r);
}

async function handleCollection(r: ResourceRequest): Promise<void> {
  const { rt, ns, query: q, method, server } = r;
  const labelSelector = parseLabelSelector(q.get("labelSelector"));
  const fieldSelector = parseFieldSelector(q.get("fieldSelector"), (f) => supportsField(rt, f));
  if (method === "GET" && boolParam(q.get("watch"))) {
    return serveWatch(...watchSources(rt, server.registry), {
      rt,
      namespace: ns,
      query: { labelSelector, fieldSelector },
      resourceVersion: q.get("resourceVersion") ?? undefined,
      allowBookmarks: boolParam(q.get("allowWatchBookmarks")),
      timeoutSeconds: Number(q.get("timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800)),
      table: wantsTable(r.req.headers.accept) ? { include: includeObject(q) } : undefined,
    }, r.res, server.bookmarkIntervalMs);
  }
  if (method === "GET") {
    const query: ListQuery = {
      labelSelector,
      fieldSelector,
      limit: limitParam(q.get("limit")),
      continueToken: q.get("continue") || undefined,
      resourceVersion: q.get("resourceVersion") ?? undefined,
      resourceVersionMatch: q.get("resourceVersionMatch") ?? undefined,
    };
    if (!wantsTable(r.req.headers.accept) && !conversionOf(rt)) return writeListJson(r, query);
    if (wantsTable(r.req.headers.accept)) {
      const include = includeObject(q);
      // The built-in printers never read managedFields and a row's metadata leaves it out: not decoded.
      const out = await server.registry.list(rt, ns, query, { managedFields: include === "Object" || customInfo(rt) !== undefined });
      return r.reply(200, toTable(rt, out.items, { include, listMeta: listMetaOf(out) }), { "Content-Type": TABLE_CONTENT_TYPE });
    }
    const out = await server.registry.list(rt, ns, query);
    return r.reply(200, { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: listMetaOf(out), items: out.items });
  }
  if (method === "POST") {
    const body = await readObject(r);
    checkKind(rt, body);
    const out = await server.registry.create(rt, ns, body, writeOptions(r));
    return replyObject(r, 201, out);
  }
  if (method === "DELETE") {
    const opts = await deleteOptions(r.req, server.maxBodyBytes, q);
    const list = await server.registry.list(rt, ns, { labelSelector, fieldSelector });
    const deleted: KObject[] = [];
    for (const item of list.items) {
      try {
        deleted.push(await server.registry.delete(rt, item.metadata.namespace, item.metadata.name!, opts));
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
      }
    }
    return r.reply(200, { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: list.resourceVersion }, items: deleted });
  }
  throw methodNotAllowed(method);
}

async function handleObject(r: ResourceRequest): Promise<void> {
  const { rt, ns, query: q, method, server, req } = r;
  const name = r.name!;
  // namespaces/finalize is update-only in Kubernetes (no get, so no patch either).
  if (r.subresource === "finalize" && method !== "PUT") throw methodNotAllowed(method);
  switch (method) {
    case "GET": {
      // The stored text goes out as it is (resourceVersion spliced in), not decoded and encoded again.
      const rv = q.get("resourceVersion") ?? undefined;
      if (!wantsTable(req.headers.accept)) return r.reply(200, await server.registry.getJson(rt, ns, name, rv));
      const obj = await server.registry.get(rt, ns, name, rv);
      return r.reply(200, toTable(rt, [obj], { include: includeObject(q), listMeta: { resourceVersion: obj.metadata.resourceVersion } }), { "Content-Type": TABLE_CONTENT_TYPE });
    }
    case "PUT": {
      const body = await readObject(r);
      checkKind(rt, body);
      // As kube's update handler: a body without a namespace takes the request's.
      if (ns && !body.metadata.namespace) body.metadata.namespace = ns;
      const out = await server.registry.update(rt, ns, name, body, writeOptions(r));
      return replyObject(r, 200, out);
    }
    case "PATCH": {
      const raw = await readBody(req, server.maxBodyBytes);
      const out = await applyPatch(server.registry, rt, ns, name, raw, req.headers["content-type"], {
        ...writeOptions(r),
        force: boolParam(q.get("force")),
        rawFieldManager: q.get("fieldManager") ?? undefined,
      });
      return replyObject(r, out.created ? 201 : 200, out);
    }
    case "DELETE": {
      if (r.subresource) throw methodNotAllowed(method);
      const opts = await deleteOptions(req, server.maxBodyBytes, q);
      const obj = await server.registry.delete(rt, ns, name, opts);
      // 200 whether the object is gone or waits for finalizers or its grace period, as
      // Kubernetes answers (handlers/delete.go); 202 only to the deprecated orphanDependents:
      // false when the object remains.
      return r.reply(opts.orphanDependents === false && obj.metadata.deletionTimestamp ? 202 : 200, obj);
    }
    default:
      throw methodNotAllowed(method);
  }
}

/** A written object with its warnings; the stored JSON text when the write has it (one encode per write). */
function replyObject(r: ResourceRequest, code: number, { object, json, warnings }: WriteResult): void {
  r.reply(code, json ?? object, warnings.length ? { Warning: warnings.map((w) => `299 - "${w.replace(/[\\"]/g, (c) => "\\" + c)}"`).join(", ") } : undefined);
}

/** A list's metadata as Kubernetes writes it. */
function listMetaOf(out: Omit<ListOutcome, "items">): Record<string, unknown> {
  return {
    resourceVersion: out.resourceVersion,
    ...(out.continueToken ? { continue: out.continueToken } : {}),
    ...(out.remainingItemCount !== undefined ? { remainingItemCount: out.remainingItemCount } : {}),
  };
}

/** ?limit=: an integer (0, negative or none: everything, as Kubernetes pages only when limit > 0). */
function limitParam(v: string | null): number | undefined {
  if (v === null || v === "") return undefined;
  const n = /^-?[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return n > 0 ? n : undefined;
}

const COMMA = Buffer.from(",");
/** How much of a list is handed to the socket before waiting for it to drain. */
const LIST_WRITE_BATCH = 256 * 1024;

/**
 * A list as JSON, fast: the objects' UTF-8 bytes from the watch cache go out as they are (encoded
 * once per write, never decoded, encoded or joined per list), with a Content-Length (the sizes
 * are known: no chunk framing), in batches as the socket takes them.
 */
async function writeListJson({ server, rt, ns, res }: ResourceRequest, query: ListQuery): Promise<void> {
  const { items, ...meta } = await server.registry.listJson(rt, ns, query);
  const head = JSON.stringify({ kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: listMetaOf(meta) });
  const open = Buffer.from(`${head.slice(0, -1)},"items":[`);
  const close = Buffer.from("]}");
  let length = open.length + close.length + Math.max(0, items.length - 1);
  for (const b of items) length += b.length;
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": length });
  res.write(open);
  for (let i = 0; i < items.length; i++) {
    if (res.writableLength >= LIST_WRITE_BATCH) await drained(res);
    if (res.destroyed) return;
    if (i > 0) res.write(COMMA);
    res.write(items[i]);
  }
  res.end(close);
}

/** Resolves when the response can take more data or the connection is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}


function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

async function deleteOptions(req: IncomingMessage, max: number, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req, max);
  const opts: DeleteOptions = {};
  if (raw.length > 0 && raw.toString("utf8").trim()) {
    const b = decodeBody(raw, req.headers["content-type"]) as Record<string, unknown>;
    if (typeof b.gracePeriodSeconds === "number") opts.gracePeriodSeconds = b.gracePeriodSeconds;
    if (typeof b.propagationPolicy === "string") opts.propagationPolicy = b.propagationPolicy as DeleteOptions["propagationPolicy"];
    if (b.orphanDependents === true) opts.propagationPolicy = "Orphan";
    if (b.orphanDependents === false) opts.orphanDependents = false;
    if (b.preconditions && typeof b.preconditions === "object") opts.preconditions = b.preconditions as DeleteOptions["preconditions"];
    if (Array.isArray(b.dryRun) && b.dryRun.includes("All")) opts.dryRun = true;
  }
  if (q.get("gracePeriodSeconds") !== null) opts.gracePeriodSeconds = Number(q.get("gracePeriodSeconds"));
  if (q.get("propagationPolicy")) opts.propagationPolicy = q.get("propagationPolicy") as DeleteOptions["propagationPolicy"];
  if (q.getAll("dryRun").includes("All")) opts.dryRun = true;
  if (opts.propagationPolicy && !["Foreground", "Background", "Orphan"].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy must be Foreground, Background or Orphan`);
  }
  return opts;
}
