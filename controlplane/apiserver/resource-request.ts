// One request for a resource, resolved: its type, namespace, name and subresource, with the
// helpers every resource handler (resources.ts, subresources/) shares.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FieldValidation, KObject, ResourceType } from "../../api/resource";
import { ApiError, badRequest } from "./errors";
import { defaultManager } from "./field-manager";
import type { RequestContext } from "./filter";
import { apiVersionOf } from "./keys";
import type { Registry, WriteOptions } from "./registry";
import { decodeBody, readBody } from "./request";
import type { AdmissionUser } from "./admission/attributes";
import type { NodeClientCredential } from "./subresources/node-proxy-credential";

/** What the resource handlers need of the server. */
export interface ResourceContext {
  registry: Registry;
  findType(group: string, version: string, plural: string): ResourceType | undefined;
  typeOfKind(kind: string): ResourceType;
  maxBodyBytes: number;
  bookmarkIntervalMs?: number;
  /** What the server presents to node agents (subresources/node-proxy.ts); none: requests go unauthenticated. */
  nodeClient?: NodeClientCredential;
}

export type Reply = RequestContext["reply"];

export interface ResourceRequest {
  server: ResourceContext;
  rt: ResourceType;
  /** The namespace for a namespaced type; undefined for cluster-scoped ones. */
  ns: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  method: string;
  url: URL;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  reply: Reply;
  /** The authenticated user (ctx.user), for admission. */
  user?: AdmissionUser;
}

/** dryRun, fieldManager, fieldValidation and the subresource, from the query. */
export function writeOptions(r: ResourceRequest): WriteOptions {
  return {
    dryRun: r.query.getAll("dryRun").includes("All"),
    fieldManager: r.query.get("fieldManager") ?? defaultManager(r.req.headers["user-agent"]),
    fieldValidation: parseFieldValidation(r.query.get("fieldValidation")),
    subresource: r.subresource,
    user: r.user,
  };
}

function parseFieldValidation(v: string | null): FieldValidation {
  if (!v) return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw badRequest(`fieldValidation must be one of Strict, Warn, Ignore; got ${JSON.stringify(v)}`);
}

/** The request body, decoded, as an object. */
export async function readObject(r: ResourceRequest): Promise<KObject> {
  return asObject(decodeBody(await readBody(r.req, r.server.maxBodyBytes), r.req.headers["content-type"]));
}

export function asObject(v: unknown): KObject {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest("the request body must be a JSON object");
  const o = v as KObject;
  if (!o.metadata || typeof o.metadata !== "object") o.metadata = {};
  return o;
}

/** A body's kind and apiVersion default to the URL's and must match it. */
export function checkKind(rt: ResourceType, body: KObject): void {
  if (body.kind === undefined) body.kind = rt.kind;
  if (body.apiVersion === undefined) body.apiVersion = apiVersionOf(rt);
  if (body.kind !== rt.kind || body.apiVersion !== apiVersionOf(rt)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(rt)})` +
      (body.kind !== rt.kind ? `, or the kind (${body.kind}) is not ${rt.kind}` : ""));
  }
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`);
}
