// pods/log: proxied to the node agent's /containerLogs (the kubelet's), streamed as it comes.
import { request as httpRequest } from "node:http";
import type { ServerResponse } from "node:http";
import type { KObject } from "../../../api/resource";
import type { Node, Pod } from "../../../api/core";
import { ApiError, badRequest, notFound } from "../errors";
import type { Reply, ResourceRequest } from "../resource-request";

const LOG_PARAMS = ["follow", "tailLines", "previous", "timestamps", "sinceSeconds", "limitBytes"];

export async function handleLog(r: ResourceRequest): Promise<void> {
  const target = await logTarget(r);
  await proxy(target, r.res, r.reply);
}

/** The agent URL that serves the requested container's log. */
async function logTarget(r: ResourceRequest): Promise<string> {
  const { server, url } = r;
  const ns = r.ns!;
  const name = r.name!;
  const pod = (await server.registry.get(server.typeOfKind("Pod"), ns, name)) as KObject & Pod;
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
  const node = (await server.registry.tryGet(server.typeOfKind("Node"), undefined, pod.spec.nodeName)) as (KObject & Node) | undefined;
  if (!node) throw notFound("nodes", "", pod.spec.nodeName);
  const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? node.status?.addresses?.[0]?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  if (!address) throw new ApiError(500, "InternalError", `node ${node.metadata.name} has no address`);
  const params = new URLSearchParams();
  for (const k of LOG_PARAMS) {
    const v = url.searchParams.get(k);
    if (v !== null) params.set(k, v);
  }
  return `http://${address.includes(":") ? `[${address}]` : address}:${port}/containerLogs/${ns}/${name}/${container}?${params}`;
}

/** Streams the agent's answer; its errors become a Status (404 stays 404, the rest 400). */
function proxy(target: string, res: ServerResponse, reply: Reply): Promise<void> {
  return new Promise<void>((resolve) => {
    const up = httpRequest(target, { method: "GET" }, (upRes) => {
      if ((upRes.statusCode ?? 500) >= 400) {
        const chunks: Buffer[] = [];
        upRes.on("data", (c: Buffer) => chunks.push(c));
        upRes.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8").trim();
          const code = upRes.statusCode === 404 ? 404 : 400;
          // The agent answers errors as a Status: pass its message on, not the JSON around it.
          const message = agentMessage(text) || `the node agent answered ${upRes.statusCode}`;
          reply(code, new ApiError(code, code === 404 ? "NotFound" : "BadRequest", message).toStatus());
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

/** The message of an agent's Status body, or the body itself when it is not one. */
export function agentMessage(text: string): string {
  try {
    const v = JSON.parse(text) as { kind?: unknown; message?: unknown };
    if (v && v.kind === "Status" && typeof v.message === "string") return v.message;
  } catch {
    // plain text
  }
  return text;
}
