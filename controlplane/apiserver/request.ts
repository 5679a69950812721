// Parsing of an API request: path into (group, version, namespace, resource, name, subresource),
// bodies (JSON or YAML, with a size limit) and query options.
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./errors";
import { decodeProtobufBody, PROTOBUF_CONTENT_TYPE } from "./protobuf/decode";

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

/** /api/v1/..., /apis/<group>/<version>/...; undefined when the path is not a resource path. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split("/").filter(Boolean);
  if (pathname.includes("%")) for (let i = 0; i < parts.length; i++) parts[i] = decodeURIComponent(parts[i]);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(group === "" && rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    return { group, version, namespace: rest[1], plural: rest[2], name: rest[3], subresource: rest[4] };
  }
  if (rest.length > 3) return undefined;
  return { group, version, plural: rest[0], name: rest[1], subresource: rest[2] };
}

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

/** Decode a JSON (or, for YAML content types, YAML; for Kubernetes protobuf, protobuf) body into an object. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? "application/json").split(";")[0].trim().toLowerCase();
  if (ct === PROTOBUF_CONTENT_TYPE) {
    if (body.length === 0) throw badRequest("the request body is empty");
    return decodeProtobufBody(body);
  }
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("the request body is empty");
  if (ct.includes("yaml")) {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`json: cannot unmarshal request body: ${(e as Error).message}`);
  }
}

export function boolParam(v: string | null): boolean {
  return v === "true" || v === "1";
}
