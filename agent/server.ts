// The agent's HTTP endpoints. The read-only port (10255) serves /pods (a v1 PodList of what this
// node runs), /healthz and /stats/summary; the main port (10250) adds /containerLogs (what the
// API server proxies `pods/log` to) and Prometheus /metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Kubelet } from "./kubelet";
import type { StatsProvider } from "./stats";
import { latestByName } from "./status";

export function agentMetrics(kubelet: Kubelet): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kubelab_agent_" });
  new Gauge({
    name: "kubelab_agent_running_pods",
    help: "Pods this agent runs (sandbox running).",
    registers: [registry],
    collect() {
      this.set(kubelet.allRuntimeContainers().filter((c) => c.isSandbox && c.state === "running").length);
    },
  });
  new Gauge({
    name: "kubelab_agent_running_containers",
    help: "App containers running on this node.",
    registers: [registry],
    collect() {
      this.set(kubelet.allRuntimeContainers().filter((c) => !c.isSandbox && c.state === "running").length);
    },
  });
  new Gauge({
    name: "kubelab_agent_desired_pods",
    help: "Pods assigned to this node (API and static).",
    registers: [registry],
    collect() {
      this.set(kubelet.pods().length);
    },
  });
  const counters: Array<[keyof Kubelet["metrics"], string, string]> = [
    ["syncs", "kubelab_agent_pod_syncs_total", "Pod worker syncs."],
    ["syncErrors", "kubelab_agent_pod_sync_errors_total", "Pod worker syncs that failed (retried with back-off)."],
    ["syncActions", "kubelab_agent_pod_sync_actions_total", "Pod syncs that changed something in Docker."],
    ["relists", "kubelab_agent_relists_total", "Docker relists (PLEG)."],
    ["relistErrors", "kubelab_agent_relist_errors_total", "Docker relists that failed."],
  ];
  for (const [key, name, help] of counters) {
    let last = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = kubelet.metrics[key];
        if (value > last) this.inc(value - last);
        last = value;
      },
    });
  }
  return registry;
}

function send(res: ServerResponse, code: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, JSON.stringify(value), "application/json");
}

function flag(value: string | null): boolean {
  return value === "true" || value === "1";
}

async function containerLogs(kubelet: Kubelet, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [, namespace, podName, containerParam] = parts;
  if (!namespace || !podName) return send(res, 400, "usage: /containerLogs/<namespace>/<pod>/<container>");
  const pod = kubelet.findPod(namespace, podName);
  const all = pod
    ? kubelet.runtimeContainers(pod.metadata.uid)
    : kubelet.allRuntimeContainers().filter((c) => c.podNamespace === namespace && c.podName === podName);
  if (!pod && all.length === 0) return send(res, 404, `pod "${podName}" not found in namespace "${namespace}" on this node`);
  const names = pod ? pod.spec.containers.map((c) => c.name) : [...new Set(all.filter((c) => !c.isSandbox).map((c) => c.container))];
  const container = containerParam ?? (names.length === 1 ? names[0] : undefined);
  if (!container) {
    return send(res, 400, `a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`);
  }
  if (!names.includes(container)) return send(res, 400, `container ${container} is not valid for pod ${podName}`);
  const history = latestByName(all, container);
  const previous = flag(url.searchParams.get("previous"));
  const target = previous ? history[1] : history[0];
  if (!target) {
    return send(
      res,
      400,
      previous
        ? `previous terminated container "${container}" in pod "${podName}" not found`
        : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`,
    );
  }
  const tail = url.searchParams.get("tailLines");
  const sinceSeconds = url.searchParams.get("sinceSeconds");
  const limitBytes = Number(url.searchParams.get("limitBytes") ?? 0);
  const follow = flag(url.searchParams.get("follow")) && target.state === "running";
  const stream = await kubelet.runtime.logs(target.id, {
    follow,
    tail: tail !== null ? Math.max(0, Number(tail)) : undefined,
    timestamps: flag(url.searchParams.get("timestamps")),
    since: sinceSeconds ? Math.floor(Date.now() / 1000) - Number(sinceSeconds) : undefined,
  });
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache" });
  res.flushHeaders();
  let written = 0;
  stream.on("data", (chunk: Buffer) => {
    if (limitBytes > 0) {
      const room = limitBytes - written;
      if (room <= 0) return;
      chunk = chunk.subarray(0, room);
    }
    written += chunk.length;
    res.write(chunk);
    if (limitBytes > 0 && written >= limitBytes) stream.destroy();
  });
  stream.on("end", () => res.end());
  stream.on("close", () => res.end());
  stream.on("error", () => res.end());
  req.on("close", () => stream.destroy());
}

export interface AgentServerOptions {
  kubelet: Kubelet;
  stats: StatsProvider;
  metrics?: Registry;
  /** The main port also serves logs and metrics. */
  readOnly: boolean;
}

export function agentHandler(opts: AgentServerOptions) {
  const { kubelet, stats, metrics } = opts;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://agent");
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
      if (url.pathname === "/healthz") return send(res, 200, "ok");
      if (url.pathname === "/pods" || url.pathname === "/pods/") {
        return json(res, { kind: "PodList", apiVersion: "v1", metadata: {}, items: kubelet.pods() });
      }
      if (url.pathname === "/stats/summary") return json(res, await stats.summary());
      if (!opts.readOnly && url.pathname.startsWith("/containerLogs/")) return await containerLogs(kubelet, req, res, url);
      if (url.pathname === "/metrics" && metrics) {
        const body = await metrics.metrics();
        return send(res, 200, body, metrics.contentType);
      }
      return send(res, 404, "404 page not found");
    } catch (err) {
      if (!res.headersSent) send(res, 500, err instanceof Error ? err.message : String(err));
      else res.end();
    }
  };
}

export async function listen(handler: ReturnType<typeof agentHandler>, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
