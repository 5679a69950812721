// pods/exec and pods/attach, as kube-apiserver serves them: the request (GET for WebSocket, POST for
// SPDY; both authorized as create, base-filters.ts) is checked against the pod (the container
// exists, the pod runs somewhere and has not completed), then proxied as an upgrade to the agent's
// /exec/<ns>/<pod>/<container> or /attach/... (the kubelet's paths and parameters) with the
// server's credential (node-proxy.ts). The agent speaks the streaming protocol itself.
import type { Pod } from "../../../api/core";
import type { KObject } from "../../../api/resource";
import { ApiError, badRequest } from "../errors";
import { boolParam } from "../request";
import { methodNotAllowed, type ResourceRequest } from "../resource-request";
import { podAgent, proxyUpgrade, requestPod } from "./node-proxy";

export type StreamKind = "exec" | "attach";

/** The container the request names, or the pod's only one; kube-apiserver's errors otherwise. */
export function streamContainer(pod: Pod & KObject, asked: string | null): string {
  const name = pod.metadata.name!;
  const all = [
    ...pod.spec.containers,
    ...(pod.spec.initContainers ?? []),
    ...((pod.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers ?? []),
  ].map((c) => c.name);
  if (!asked) {
    if (pod.spec.containers.length === 1) return pod.spec.containers[0]!.name;
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(" ")}]`);
  }
  if (!all.includes(asked)) throw badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

/** The agent's path and parameters for the request (input/output/error/tty as the kubelet names them). */
export function agentStreamPath(kind: StreamKind, pod: Pod & KObject, container: string, q: URLSearchParams): string {
  const params = new URLSearchParams();
  if (kind === "exec") for (const c of q.getAll("command")) params.append("command", c);
  if (boolParam(q.get("stdin"))) params.set("input", "1");
  if (boolParam(q.get("stdout"))) params.set("output", "1");
  if (boolParam(q.get("stderr"))) params.set("error", "1");
  if (boolParam(q.get("tty"))) params.set("tty", "1");
  const seg = encodeURIComponent;
  return `/${kind}/${seg(pod.metadata.namespace!)}/${seg(pod.metadata.name!)}/${seg(container)}?${params}`;
}

export async function handleStream(r: ResourceRequest, kind: StreamKind): Promise<void> {
  if (r.method !== "GET" && r.method !== "POST") throw methodNotAllowed(r.method);
  const pod = await requestPod(r);
  const container = streamContainer(pod, r.query.get("container"));
  if (kind === "exec" && r.query.getAll("command").length === 0) throw badRequest("you must specify at least one command for the container");
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    throw badRequest(kind === "exec" ? `cannot exec into a container in a completed pod; current phase is ${phase}` : `cannot attach a container in a completed pod; current phase is ${phase}`);
  }
  const agent = await podAgent(r.server, pod);
  if (!r.req.headers.upgrade) throw new ApiError(400, "BadRequest", "Upgrade request required");
  await proxyUpgrade(r, agent, agentStreamPath(kind, pod, container, r.query));
}
