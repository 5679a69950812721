// pods/log: proxied to the node agent's /containerLogs (the kubelet's), streamed as it comes, with
// the server's credential (node-proxy.ts).
import type { ServerResponse } from "node:http";
import { ApiError, badRequest } from "../errors";
import type { Reply, ResourceContext, ResourceRequest } from "../resource-request";
import { agentGet, dialError, podAgent, requestPod, type AgentEndpoint } from "./node-proxy";

const LOG_PARAMS = ["follow", "tailLines", "previous", "timestamps", "sinceSeconds", "limitBytes"];

export async function handleLog(r: ResourceRequest): Promise<void> {
  const { agent, path } = await logTarget(r);
  await proxy(r.server, agent, path, r.res, r.reply);
}

/** The agent and path that serve the requested container's log. */
async function logTarget(r: ResourceRequest): Promise<{ agent: AgentEndpoint; path: string }> {
  const { url } = r;
  const ns = r.ns!;
  const name = r.name!;
  const pod = await requestPod(r);
  const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])].map((c) => c.name);
  let container = url.searchParams.get("container");
  if (!container) {
    if (pod.spec.containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(" ")}]`);
    }
    container = pod.spec.containers[0].name;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const agent = await podAgent(r.server, pod);
  const params = new URLSearchParams();
  for (const k of LOG_PARAMS) {
    const v = url.searchParams.get(k);
    if (v !== null) params.set(k, v);
  }
  return { agent, path: `/containerLogs/${ns}/${name}/${container}?${params}` };
}

/** Streams the agent's answer; its errors become a Status (404 stays 404, the rest 400). */
function proxy(server: ResourceContext, agent: AgentEndpoint, path: string, res: ServerResponse, reply: Reply): Promise<void> {
  return new Promise<void>((resolve) => {
    const up = agentGet(server, agent, path, (upRes) => {
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
        const err = dialError(agent, e);
        reply(err.code, err.toStatus());
      } else res.end();
      resolve();
    });
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
