// The resource endpoints: get, list, watch, create, update, patch, delete and deletecollection,
// plus the subresources status, scale, binding, finalize and log.
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import type { FieldValidation, KObject, ResourceType } from "../../api/resource";
import { ApiError, badRequest, notFound } from "./errors";
import { apiVersionOf, supportsField } from "./keys";
import type { DeleteOptions, Registry, WriteOptions } from "./registry";
import { boolParam, decodeBody, readBody, type ResourcePath } from "./request";
import { parseFieldSelector, parseLabelSelector } from "./selectors";
import { TABLE_CONTENT_TYPE, toTable, wantsTable, type IncludeObject } from "./table";
import { serveWatch } from "./watch";
import { applyPatch } from "./patching";

export interface ResourceContext {
  registry: Registry;
  findType(group: string, version: string, plural: string): ResourceType | undefined;
  typeOfKind(kind: string): ResourceType;
  maxBodyBytes: number;
  bookmarkIntervalMs?: number;
}

export type Reply = (code: number, body: unknown, headers?: Record<string, string>) => void;

export async function handleResource(
  ctx: ResourceContext,
  rp: ResourcePath,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  reply: Reply,
): Promise<void> {
  const rt = ctx.findType(rp.group, rp.version, rp.plural);
  if (!rt) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  if (rt.namespaced === false && rp.namespace) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  const ns = rt.namespaced ? rp.namespace : undefined;
  const q = url.searchParams;
  const method = req.method ?? "GET";
  const sub = rp.subresource;
  if (sub && !(rt.subresources as string[]).includes(sub) && !(rt.kind === "Namespace" && sub === "finalize")) {
    throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  const writeOpts = (): WriteOptions => ({
    dryRun: q.getAll("dryRun").includes("All"),
    fieldManager: q.get("fieldManager") ?? defaultManager(req.headers["user-agent"]),
    fieldValidation: parseFieldValidation(q.get("fieldValidation")),
    subresource: sub,
  });
  const replyObject = (code: number, obj: KObject, warnings: string[] = []) =>
    reply(code, obj, warnings.length ? { Warning: warnings.map((w) => `299 - "${w.replace(/[\\"]/g, (c) => "\\" + c)}"`).join(", ") } : undefined);

  if (!rp.name) {
    // Collection.
    const labelSelector = parseLabelSelector(q.get("labelSelector"));
    const fieldSelector = parseFieldSelector(q.get("fieldSelector"), (f) => supportsField(rt, f));
    if (method === "GET" && boolParam(q.get("watch"))) {
      return serveWatch(ctx.registry, ctx.registry.store, {
        rt,
        namespace: ns,
        query: { labelSelector, fieldSelector },
        resourceVersion: q.get("resourceVersion") ?? undefined,
        allowBookmarks: boolParam(q.get("allowWatchBookmarks")),
        timeoutSeconds: Number(q.get("timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800)),
        table: wantsTable(req.headers.accept) ? { include: includeObject(q) } : undefined,
      }, res, ctx.bookmarkIntervalMs);
    }
    if (method === "GET") {
      const limit = q.get("limit") ? Number(q.get("limit")) : undefined;
      const out = await ctx.registry.list(rt, ns, { labelSelector, fieldSelector, limit, continueToken: q.get("continue") ?? undefined });
      const listMeta = {
        resourceVersion: out.resourceVersion,
        ...(out.continueToken ? { continue: out.continueToken } : {}),
        ...(out.remainingItemCount !== undefined ? { remainingItemCount: out.remainingItemCount } : {}),
      };
      if (wantsTable(req.headers.accept)) {
        return reply(200, toTable(rt, out.items, { include: includeObject(q), listMeta }), { "Content-Type": TABLE_CONTENT_TYPE });
      }
      return reply(200, { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: listMeta, items: out.items });
    }
    if (method === "POST") {
      const body = asObject(decodeBody(await readBody(req, ctx.maxBodyBytes), req.headers["content-type"]));
      checkKind(rt, body);
      const out = await ctx.registry.create(rt, ns, body, writeOpts());
      return replyObject(201, out.object, out.warnings);
    }
    if (method === "DELETE") {
      const opts = await deleteOptions(req, ctx.maxBodyBytes, q);
      const list = await ctx.registry.list(rt, ns, { labelSelector, fieldSelector });
      const deleted: KObject[] = [];
      for (const item of list.items) {
        try {
          deleted.push(await ctx.registry.delete(rt, item.metadata.namespace, item.metadata.name!, opts));
        } catch (e) {
          if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
        }
      }
      return reply(200, { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: list.resourceVersion }, items: deleted });
    }
    throw methodNotAllowed(method);
  }

  const name = rp.name;
  if (sub === "log") return proxyLog(ctx, ns!, name, url, res, reply);
  if (sub === "binding") {
    if (method !== "POST") throw methodNotAllowed(method);
    const body = asObject(decodeBody(await readBody(req, ctx.maxBodyBytes), req.headers["content-type"]));
    await bind(ctx, rt, ns!, name, body, writeOpts());
    return reply(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  }
  if (sub === "scale") return handleScale(ctx, rt, ns, name, req, method, writeOpts, reply);

  switch (method) {
    case "GET": {
      const obj = await ctx.registry.get(rt, ns, name);
      if (wantsTable(req.headers.accept)) {
        return reply(200, toTable(rt, [obj], { include: includeObject(q), listMeta: { resourceVersion: obj.metadata.resourceVersion } }), { "Content-Type": TABLE_CONTENT_TYPE });
      }
      return reply(200, obj);
    }
    case "PUT": {
      const body = asObject(decodeBody(await readBody(req, ctx.maxBodyBytes), req.headers["content-type"]));
      checkKind(rt, body);
      const out = await ctx.registry.update(rt, ns, name, body, writeOpts());
      return replyObject(200, out.object, out.warnings);
    }
    case "PATCH": {
      const raw = await readBody(req, ctx.maxBodyBytes);
      const out = await applyPatch(ctx.registry, rt, ns, name, raw, req.headers["content-type"], {
        ...writeOpts(),
        force: boolParam(q.get("force")),
        rawFieldManager: q.get("fieldManager") ?? undefined,
      });
      return replyObject(out.created ? 201 : 200, out.object, out.warnings);
    }
    case "DELETE": {
      if (sub) throw methodNotAllowed(method);
      const opts = await deleteOptions(req, ctx.maxBodyBytes, q);
      const obj = await ctx.registry.delete(rt, ns, name, opts);
      return reply(obj.metadata.deletionTimestamp ? 202 : 200, obj);
    }
    default:
      throw methodNotAllowed(method);
  }
}

function methodNotAllowed(method: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`);
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

export function parseFieldValidation(v: string | null): FieldValidation {
  if (!v) return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw badRequest(`fieldValidation must be one of Strict, Warn, Ignore; got ${JSON.stringify(v)}`);
}

/** Kubernetes names a request's field manager after the client's user agent ("kubectl"). */
export function defaultManager(userAgent: string | undefined): string {
  if (!userAgent) return "unknown";
  return userAgent.split("/")[0].slice(0, 128) || "unknown";
}

function asObject(v: unknown): KObject {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest("the request body must be a JSON object");
  const o = v as KObject;
  if (!o.metadata || typeof o.metadata !== "object") o.metadata = {};
  return o;
}

function checkKind(rt: ResourceType, body: KObject): void {
  if (body.kind === undefined) body.kind = rt.kind;
  if (body.apiVersion === undefined) body.apiVersion = apiVersionOf(rt);
  if (body.kind !== rt.kind || body.apiVersion !== apiVersionOf(rt)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(rt)})` +
      (body.kind !== rt.kind ? `, or the kind (${body.kind}) is not ${rt.kind}` : ""));
  }
}

async function deleteOptions(req: IncomingMessage, max: number, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req, max);
  const opts: DeleteOptions = {};
  if (raw.length > 0 && raw.toString("utf8").trim()) {
    const b = decodeBody(raw, req.headers["content-type"]) as Record<string, unknown>;
    if (typeof b.gracePeriodSeconds === "number") opts.gracePeriodSeconds = b.gracePeriodSeconds;
    if (typeof b.propagationPolicy === "string") opts.propagationPolicy = b.propagationPolicy as DeleteOptions["propagationPolicy"];
    if (b.orphanDependents === true) opts.propagationPolicy = "Orphan";
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

async function bind(ctx: ResourceContext, rt: ResourceType, ns: string, name: string, body: KObject, opts: WriteOptions): Promise<void> {
  const target = (body as { target?: { name?: string } }).target?.name;
  if (!target) throw badRequest("binding target.name is required");
  await ctx.registry.modify(rt, ns, name, (pod) => {
    const p = pod as KObject & { spec: { nodeName?: string }; status?: { conditions?: Array<Record<string, unknown>> } };
    if (p.metadata.deletionTimestamp) throw new ApiError(409, "Conflict", `pod ${name} is being deleted, cannot be assigned to a host`);
    if (p.spec.nodeName) throw new ApiError(409, "Conflict", `pod ${name} is already assigned to node "${p.spec.nodeName}"`);
    p.spec.nodeName = target;
    return p;
  }, { ...opts, subresource: "binding" });
}

async function handleScale(
  ctx: ResourceContext,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  req: IncomingMessage,
  method: string,
  writeOpts: () => WriteOptions,
  reply: Reply,
): Promise<void> {
  const toScale = (obj: KObject) => {
    const o = obj as KObject & { spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } }; status?: { replicas?: number } };
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
      },
    };
  };
  if (method === "GET") return reply(200, toScale(await ctx.registry.get(rt, ns, name)));
  if (method !== "PUT" && method !== "PATCH") throw methodNotAllowed(method);
  const raw = await readBody(req, ctx.maxBodyBytes);
  const opts = writeOpts();
  const out = await ctx.registry.modify(rt, ns, name, async (live) => {
    const current = toScale(live!);
    let desired: KObject;
    if (method === "PUT") desired = asObject(decodeBody(raw, req.headers["content-type"]));
    else {
      const { patchObject } = await import("./patching");
      desired = await patchObject(current as unknown as KObject, raw, req.headers["content-type"], undefined);
    }
    const rv = desired.metadata?.resourceVersion;
    if (rv && rv !== live!.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${rt.plural}.${rt.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const replicas = (desired as { spec?: { replicas?: unknown } }).spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name, kind: "Scale", group: "autoscaling", causes: [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }],
      });
    }
    (live as KObject & { spec: { replicas: number } }).spec.replicas = replicas;
    return live!;
  }, { ...opts, subresource: "scale" });
  reply(200, toScale(out.object));
}

async function proxyLog(ctx: ResourceContext, ns: string, name: string, url: URL, res: ServerResponse, reply: Reply): Promise<void> {
  const pods = ctx.typeOfKind("Pod");
  const pod = (await ctx.registry.get(pods, ns, name)) as KObject & {
    spec: { nodeName?: string; containers: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  };
  const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name);
  let container = url.searchParams.get("container");
  if (!container) {
    if (pod.spec.containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(" ")}]`);
    }
    container = pod.spec.containers[0].name;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  if (!pod.spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = (await ctx.registry.tryGet(ctx.typeOfKind("Node"), undefined, pod.spec.nodeName)) as
    | (KObject & { status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } })
    | undefined;
  if (!node) throw notFound("nodes", "", pod.spec.nodeName);
  const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? node.status?.addresses?.[0]?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  if (!address) throw new ApiError(500, "InternalError", `node ${node.metadata.name} has no address`);
  const params = new URLSearchParams();
  for (const k of ["follow", "tailLines", "previous", "timestamps", "sinceSeconds", "limitBytes"]) {
    const v = url.searchParams.get(k);
    if (v !== null) params.set(k, v);
  }
  const target = `http://${address.includes(":") ? `[${address}]` : address}:${port}/containerLogs/${ns}/${name}/${container}?${params}`;
  await new Promise<void>((resolve) => {
    const up = httpRequest(target, { method: "GET" }, (upRes) => {
      if ((upRes.statusCode ?? 500) >= 400) {
        const chunks: Buffer[] = [];
        upRes.on("data", (c: Buffer) => chunks.push(c));
        upRes.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8").trim();
          reply(upRes.statusCode === 404 ? 404 : 400, new ApiError(upRes.statusCode === 404 ? 404 : 400, upRes.statusCode === 404 ? "NotFound" : "BadRequest", text || `the node agent answered ${upRes.statusCode}`).toStatus());
          resolve();
        });
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
      res.flushHeaders();
      upRes.pipe(res);
      upRes.on("end", resolve);
      res.on("close", () => {
        up.destroy();
        resolve();
      });
    });
    up.on("error", (e) => {
      if (!res.headersSent) {
        reply(502, new ApiError(502 as number, "InternalError", `Get "${target}": ${e.message}`).toStatus());
      } else res.end();
      resolve();
    });
    up.end();
  });
}
