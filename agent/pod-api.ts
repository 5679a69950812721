// The agent's own pod API on its main port (the kubelet article's "HTTP requests to the kubelet's
// web server"): create, replace and delete a static pod.
//   POST   /pods                    a Pod (JSON or YAML): 201, 409 if the pod already exists
//   PUT    /pods/<namespace>/<name>  replaces a pod made here: 200, 404 if there is none
//   DELETE /pods/<namespace>/<name>  deletes a pod made here: 200, 404 if there is none
// <name> is the posted name or the static pod's (<name>-<node>). Each pod is a file
// api_<namespace>_<name>.yaml in the manifest folder (names cannot hold "_"), so the folder source
// runs it and an agent restart keeps it; files the admin put there are not this API's to change.
// Every request passes the main port's check first (authorize: ./auth's webhook gate).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument, stringify } from "yaml";
import { statusFromHttp } from "../client/errors";
import type { PodManager } from "./pod-manager";
import { staticPodFromManifest } from "./static-pods";
import type { Pod } from "./types";

const MAX_BODY = 1024 * 1024;

export interface PodApiOptions {
  manifestDir: string;
  nodeName: string;
  podManager: PodManager;
  /** Re-reads the folder, so an answer reflects the write. */
  rescan(): Promise<void>;
  /** The main port's check: undefined lets the request on. */
  authorize(req: IncomingMessage, pathname: string): Promise<{ code: number; message: string } | undefined>;
}

class ApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Is this request the pod API's? Writes to /pods...; a GET of /pods stays the main port's list. */
export function isPodApiRequest(method: string, pathname: string): boolean {
  return pathname.split("/").filter(Boolean)[0] === "pods" && method !== "GET" && method !== "HEAD";
}

/** What a pod API request asks for (after isPodApiRequest), or the 4xx it deserves. */
export function podApiRoute(method: string, pathname: string): { op: "create" } | { op: "replace" | "delete"; namespace: string; name: string } {
  const parts = pathname.split("/").filter(Boolean);
  if (method === "POST" && parts.length === 1) return { op: "create" };
  if ((method === "PUT" || method === "DELETE") && parts.length === 3) {
    try {
      return { op: method === "PUT" ? "replace" : "delete", namespace: decodeURIComponent(parts[1]!), name: decodeURIComponent(parts[2]!) };
    } catch {
      throw new ApiError(400, `malformed percent-encoding in path "${pathname.slice(0, 200)}"`);
    }
  }
  throw new ApiError(405, `${method} ${pathname.slice(0, 200)}: use POST /pods, PUT or DELETE /pods/<namespace>/<name>`);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The file of a pod made through this API. Names are checked first: a path never leaves the folder. */
export function podFileName(namespace: string, name: string): string {
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new ApiError(422, `metadata.namespace: Invalid value: "${namespace}": must be a DNS label`);
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new ApiError(422, `metadata.name: Invalid value: "${name}": must be a DNS subdomain`);
  return `api_${namespace}_${name}.yaml`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The posted manifest, checked the way the folder source will read it. */
function parsePod(text: string, nodeName: string): { manifest: Pod; pod: Pod } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ApiError(400, `the body is not a JSON or YAML object: ${doc.errors[0]!.message}`);
  let manifest: Pod;
  try {
    // A billion-laughs body stops at 100 aliases, as the API server's own YAML reading does.
    manifest = doc.toJS({ maxAliasCount: 100 }) as Pod;
  } catch (err) {
    throw new ApiError(400, `the body is not a JSON or YAML object: ${(err as Error).message}`);
  }
  if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) throw new ApiError(400, "the body must be one Pod object");
  if (manifest.apiVersion !== "v1") throw new ApiError(422, `apiVersion: Unsupported value: "${String(manifest.apiVersion)}": must be "v1"`);
  manifest.metadata = { ...manifest.metadata, namespace: manifest.metadata?.namespace ?? "default" } as Pod["metadata"];
  try {
    return { manifest, pod: staticPodFromManifest(manifest, nodeName, "request") };
  } catch (err) {
    throw new ApiError(422, (err as Error).message.replace(/^request: /, ""));
  }
}

function send(res: ServerResponse, code: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

export class PodApi {
  constructor(private readonly opts: PodApiOptions) {}

  /** Serves the request if it is the pod API's and returns true; false leaves it to the caller. */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if (!isPodApiRequest(req.method ?? "GET", pathname)) return false;
    try {
      const denied = await this.opts.authorize(req, pathname);
      if (denied) {
        send(res, denied.code, statusFromHttp(denied.code, denied.message));
        return true;
      }
      const route = podApiRoute(req.method!, pathname);
      const { code, body } = route.op === "create" ? await this.create(req) : await this.change(req, route.op, route.namespace, route.name);
      send(res, code, body);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 500;
      if (!res.headersSent) send(res, code, statusFromHttp(code, (err as Error).message));
      else res.end();
    }
    return true;
  }

  private async create(req: IncomingMessage): Promise<{ code: number; body: unknown }> {
    const { manifest } = parsePod(await readBody(req), this.opts.nodeName);
    const { namespace, name } = manifest.metadata as { namespace: string; name: string };
    const file = podFileName(namespace, name);
    if (this.opts.podManager.find(namespace, `${name}-${this.opts.nodeName}`) || (await this.exists(file))) {
      throw new ApiError(409, `pods "${name}" already exists`);
    }
    await this.write(file, manifest);
    return { code: 201, body: await this.shown(namespace, name, manifest) };
  }

  private async change(req: IncomingMessage, op: "replace" | "delete", namespace: string, rawName: string): Promise<{ code: number; body: unknown }> {
    const suffix = `-${this.opts.nodeName}`;
    // The static pod's name works as well as the posted one, when no file has the longer name.
    const candidates = rawName.endsWith(suffix) ? [rawName, rawName.slice(0, -suffix.length)] : [rawName];
    let name: string | undefined;
    for (const n of candidates) if (n && (await this.exists(podFileName(namespace, n)))) name ??= n;
    if (!name) throw new ApiError(404, `pods "${rawName}" not found (only pods made through this API can be changed here)`);
    const file = podFileName(namespace, name);
    if (op === "delete") {
      const before = await this.shown(namespace, name);
      await unlink(join(this.opts.manifestDir, file));
      await this.opts.rescan();
      return { code: 200, body: before ?? statusFromHttp(200, `pods "${name}" deleted`) };
    }
    const { manifest } = parsePod(await readBody(req), this.opts.nodeName);
    if (manifest.metadata.name !== name || manifest.metadata.namespace !== namespace) {
      throw new ApiError(400, `the name and namespace in the body (${manifest.metadata.namespace}/${manifest.metadata.name}) must be the path's (${namespace}/${name})`);
    }
    await this.write(file, manifest);
    return { code: 200, body: await this.shown(namespace, name, manifest) };
  }

  private async exists(file: string): Promise<boolean> {
    return readFile(join(this.opts.manifestDir, file)).then(() => true, () => false);
  }

  /** Writes to a dot-file the folder source ignores, then renames: it never reads half a pod. */
  private async write(file: string, manifest: Pod): Promise<void> {
    const tmp = join(this.opts.manifestDir, `.${file}.${randomBytes(4).toString("hex")}.tmp`);
    await writeFile(tmp, stringify(manifest));
    await rename(tmp, join(this.opts.manifestDir, file));
    await this.opts.rescan();
  }

  /** The pod as the agent now runs it (or, if the folder has not shown it yet, as it will). */
  private async shown(namespace: string, name: string, manifest?: Pod): Promise<Pod | undefined> {
    const running = this.opts.podManager.find(namespace, `${name}-${this.opts.nodeName}`);
    return running ?? (manifest ? staticPodFromManifest(manifest, this.opts.nodeName, join(this.opts.manifestDir, podFileName(namespace, name))) : undefined);
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The main port's handler with the pod API in front (what agent.ts listens with); an agent
 *  without a manifest folder has nowhere to keep posted pods, and no pod API. */
export function withPodApi(handler: Handler, opts: Omit<PodApiOptions, "manifestDir"> & { manifestDir?: string }): Handler {
  if (!opts.manifestDir) return handler;
  const api = new PodApi({ ...opts, manifestDir: opts.manifestDir });
  return async (req, res) => {
    let pathname: string;
    try {
      pathname = new URL(`http://agent${(req.url ?? "/").startsWith("/") ? req.url : "/"}`).pathname;
    } catch {
      return handler(req, res); // the main handler answers a malformed target
    }
    if (!(await api.serve(req, res, pathname))) await handler(req, res);
  };
}
