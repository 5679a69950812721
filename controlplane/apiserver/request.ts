// Parsing of an API request: path into (group, version, namespace, resource, name, subresource),
// bodies (JSON, YAML or protobuf, with a size limit) and query options. Every malformed input is
// an ApiError (400, 413, 415, 422): nothing here throws anything else.
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./errors";
import { GO_TRUE } from "./go-bool";
import { decodeProtobufBody, PROTOBUF_CONTENT_TYPE } from "./protobuf/decode";
import { describeUnsafeShape, findUnsafeShape, MAX_NESTING_DEPTH } from "./patch/safe-keys";

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
  if (pathname.includes("%")) for (let i = 0; i < parts.length; i++) parts[i] = decodeSegment(parts[i]);
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
    return { group, version, namespace: pathName(rest[1]), plural: rest[2], name: pathName(rest[3]), subresource: rest[4] };
  }
  // nodes/<name>/proxy/<path...>: the proxy subresource carries a path of its own.
  if (rest.length > 3 && rest[2] !== "proxy") return undefined;
  return { group, version, plural: rest[0], name: pathName(rest[1]), subresource: rest[2] };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in path segment ${JSON.stringify(segment)}`);
  }
}

/** A namespace or name from the path, refused as Kubernetes' ValidatePathSegmentName does. */
function pathName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (name === "." || name === "..") throw badRequest(`name may not be ${JSON.stringify(name)}`);
  if (name.includes("/") || name.includes("%")) throw badRequest(`name may not contain "/" or "%": ${JSON.stringify(name)}`);
  return name;
}

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const body = await readAll(req, limit);
  if (mediaTypeOf(req.headers["content-type"]).endsWith("yaml")) checkYamlNesting(body);
  return body;
}

/** The whole body by its events: one promise per request (an async iterator makes one per chunk). */
function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: ApiError) => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done(tooLarge(limit));
      req.destroy(); // a body streaming past the limit is not read to its end
    };
    const onEnd = () => done();
    // A client that goes away mid-body ("aborted") is its own failure, not the server's.
    const onError = (e: Error) => done(badRequest(`the request body could not be read: ${e.message}`));
    const onClose = () => done(badRequest("the request body could not be read: aborted"));
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/**
 * The YAML parser recurses once per nesting level, and deep enough input ("[[[[..." 50,000 deep)
 * took the process down inside V8 (a fatal RegExpCompiler out-of-memory, not a catchable stack
 * overflow). So YAML bodies (application/yaml and apply-patch+yaml) are measured before any
 * parser sees them: flow brackets counted naively (brackets in quoted strings count too: a false
 * alarm costs a 400, never a crash) and block indentation, both bounded by MAX_NESTING_DEPTH.
 */
export function checkYamlNesting(body: Buffer): void {
  let depth = 0;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x5b || c === 0x7b) depth++; // [ {
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--; // ] }
    if (c === 0x0a) {
      lineStart = true;
      indent = 0;
    } else if (lineStart && (c === 0x20 || c === 0x2d)) indent++; // spaces and "- " sequence markers
    else lineStart = false;
    if (depth > MAX_NESTING_DEPTH || indent > 4 * MAX_NESTING_DEPTH) {
      throw badRequest(`the request body nests deeper than ${MAX_NESTING_DEPTH} levels`);
    }
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

/**
 * The media types a request body (create, update, delete options, binding) may have, as
 * kube-apiserver's serializers have them. Anything else, and a body without a Content-Type, is
 * 415: a browser can send text/plain, form data or a typeless body cross-origin without a
 * preflight, so such a body must never be read as JSON (Kubernetes reads a missing type as JSON;
 * kubectl and client-node always send one).
 */
export const BODY_MEDIA_TYPES = ["application/json", "application/yaml", PROTOBUF_CONTENT_TYPE] as const;

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`);
}

/** Decode a JSON, YAML or Kubernetes protobuf body into a plain value, refused when unsafe to handle. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const ct = mediaTypeOf(contentType);
  if (!(BODY_MEDIA_TYPES as readonly string[]).includes(ct)) throw unsupportedMediaType(BODY_MEDIA_TYPES);
  return checkDecoded(parseBody(body, ct));
}

function parseBody(body: Buffer, ct: string): unknown {
  if (ct === PROTOBUF_CONTENT_TYPE) {
    if (body.length === 0) throw badRequest("the request body is empty");
    return decodeProtobufBody(body);
  }
  const text = body.toString("utf8");
  const empty = () => badRequest("the request body is empty");
  if (ct === "application/yaml") {
    if (text.trim() === "") throw empty();
    try {
      return parseYaml(text, { maxAliasCount: 100, logLevel: "error" });
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // Whitespace alone is not JSON either: only a failed parse needs the (copying) trim.
    throw text.trim() === "" ? empty() : badRequest(`json: cannot unmarshal request body: ${(e as Error).message}`);
  }
}

/** A decoded body with a "__proto__" key is 422 Invalid, one nested too deep 400 (see patch/safe-keys.ts). */
export function checkDecoded<T>(value: T): T {
  const bad = findUnsafeShape(value);
  if (!bad) return value;
  if (bad.problem === "tooDeep") throw badRequest(`the request body nests deeper than ${MAX_NESTING_DEPTH} levels at ${bad.field}`);
  throw new ApiError(422, "Invalid", describeUnsafeShape(bad), {
    causes: [{ reason: "FieldValueNotSupported", field: bad.field, message: `Invalid value: the key "__proto__" is not allowed` }],
  });
}

/** A boolean query parameter as strconv.ParseBool reads it (`watch=True` from the Python client); checkQueryParams refused the rest. */
export function boolParam(v: string | null): boolean {
  return v !== null && GO_TRUE.has(v);
}
