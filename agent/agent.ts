// `kubelab agent` wired together: the Docker runtime, the kubelet core, static pods, stats, the
// HTTP endpoints, the pod network (bridge, host rules, cluster DNS, Service variables) and (when a
// kubeconfig or server is given) everything that talks to the API server: node registration and
// heartbeat, the pod source, status writes, mirror pods and the NodePort proxy.
import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { pino, type Logger } from "pino";
import { SharedInformers } from "../client/informer-factory";
import { stripManagedFields } from "../client/reflector";
import type { AgentConfig } from "./config";
import type { ConfigSource } from "./env";
import { Kubelet, type KubeletHooks } from "./kubelet";
import { DockerRuntime } from "./runtime/docker";
import { AgentMetrics } from "./metrics";
import { ownsBridge, PodNetwork, podNetworkClient } from "./pod-network";
import { mainPortAuth, refusal } from "./auth";
import { withPodApi } from "./pod-api";
import { agentHandler, listen, portOf, type AgentHandler, type UpgradeHandler } from "./server";
import { startStaticPodSources } from "./static-pods-sources";
import { StatsProvider } from "./stats";

export interface ApiIntegration {
  config: ConfigSource;
  hooks: KubeletHooks;
  /** `informers`: the node's shared caches of cluster-wide objects (Services, Endpoints). */
  start(kubelet: Kubelet, informers: SharedInformers): Promise<void>;
  stop(): Promise<void>;
}

export interface Agent {
  cfg: AgentConfig;
  kubelet: Kubelet;
  runtime: DockerRuntime;
  /** Actual ports (useful when 0 = "any free port" was asked for in tests). */
  readOnlyPort?: number;
  port?: number;
  stop(): Promise<void>;
}

const noConfig: ConfigSource = {
  getConfigMap: async () => undefined,
  getSecret: async () => undefined,
};

/** Where the HTTP endpoints listen: all interfaces, except for a loopback node address (the
 *  local lab runs several agents on 127.0.0.N). */
export function bindAddress(cfg: AgentConfig): string {
  return cfg.address.startsWith("127.") ? cfg.address : "0.0.0.0";
}

/**
 * exec, attach and port-forward (WebSocket and SPDY) are loaded by the first upgrade request: a
 * node may never serve one. The request waits for the load as it waits for its auth check.
 */
function onFirstUpgrade(load: () => Promise<UpgradeHandler>, log: Logger): UpgradeHandler {
  let loaded: Promise<UpgradeHandler> | undefined;
  return (req, socket, head) => {
    (loaded ??= load()).then(
      (upgrade) => upgrade(req, socket, head),
      (err: Error) => {
        log.error({ err: err.message }, "cannot load the streaming endpoints");
        socket.destroy();
      },
    );
  };
}

interface MainPortParts {
  cfg: AgentConfig;
  kubelet: Kubelet;
  runtime: DockerRuntime;
  stats: StatsProvider;
  metrics: AgentMetrics;
  /** The webhook check asks the API server. */
  withApi: boolean;
  /** Re-reads the manifest folder (after a pod is posted). */
  rescan: () => Promise<void>;
  log: Logger;
}

/** The main port's requests (behind the webhook check) and its upgrades (exec, attach, port-forward). */
function mainPort(o: MainPortParts): { handler: AgentHandler; upgrade: UpgradeHandler } {
  const { cfg, kubelet, log } = o;
  const auth = mainPortAuth(cfg, o.withApi ? podNetworkClient(cfg) : undefined, log);
  const main = agentHandler({ kubelet, stats: o.stats, metrics: o.metrics.registry, readOnly: false, auth });
  // Pods posted to the agent (./pod-api.ts), behind the same check.
  const handler = withPodApi(main, {
    manifestDir: cfg.podManifestPath,
    nodeName: cfg.nodeName,
    podManager: kubelet.podManager,
    rescan: o.rescan,
    authorize: (req, pathname) => refusal(auth, req, pathname),
  });
  const upgrade = onFirstUpgrade(async () => {
    const [{ streamingUpgrades }, { portForwardRoute }] = await Promise.all([import("./streaming/upgrade"), import("./portforward/route")]);
    return streamingUpgrades({ kubelet, docker: o.runtime.docker, auth, log, routes: { portForward: portForwardRoute(kubelet) } });
  }, log);
  return { handler, upgrade };
}

export async function startAgent(
  cfg: AgentConfig,
  opts: { log?: Logger; api?: (cfg: AgentConfig, runtime: DockerRuntime, log: Logger) => ApiIntegration; listenPorts?: boolean } = {},
): Promise<Agent> {
  const log = opts.log ?? pino({ name: "kubelab-agent", base: { node: cfg.nodeName } });
  await mkdir(cfg.rootDir, { recursive: true });
  const runtime = new DockerRuntime({ nodeName: cfg.nodeName, dockerHost: cfg.dockerHost });
  const api = opts.api?.(cfg, runtime, log);
  // One metrics registry for the process: the kubelet's metrics and the process's own.
  const metrics = new AgentMetrics();
  const kubelet = new Kubelet(cfg, runtime, api?.config ?? noConfig, log, api?.hooks ?? {}, metrics);
  // One list+watch per kind for the whole agent (client-go's shared informer factory): the NodePort
  // proxy, the cluster DNS, the Service variables and the kernel proxy read the same Services and
  // Endpoints. The agent only reads them: cached without managedFields.
  const caches = new AbortController();
  const informers = api ? new SharedInformers(podNetworkClient(cfg), log, { transform: stripManagedFields }) : undefined;
  informers?.start(caches.signal);
  const podNetwork = new PodNetwork({ cfg, docker: runtime.docker, log, client: api ? podNetworkClient(cfg) : undefined, informers, metrics: metrics.registry });
  kubelet.syncer.network = podNetwork;
  await podNetwork.start();
  // kube-proxy's part: nftables rules for Services and NetworkPolicies, where the node has a pod bridge of its own.
  // Loaded only on such a node (it is most of what the agent imports from api/, and zod with it).
  const kernelProxy = api && ownsBridge(cfg.network) ? await (await import("./netfilter")).startKernelProxy({ cfg, client: podNetworkClient(cfg), informers: informers!, log }) : undefined;
  if (!api) kubelet.podManager.apiSourceReady = true;

  // The folder and --manifest-url (./static-pods-sources.ts).
  const staticSources = await startStaticPodSources(cfg, kubelet.podManager, log);

  kubelet.start();
  const stats = new StatsProvider(kubelet, cfg.statsPeriodMs);
  stats.start();

  const servers: Server[] = [];
  const agent: Agent = {
    cfg,
    kubelet,
    runtime,
    async stop() {
      staticSources.stop();
      stats.stop();
      kubelet.stop();
      await podNetwork.stop();
      kernelProxy?.stop();
      await api?.stop();
      caches.abort();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections?.();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
  const host = bindAddress(cfg);
  if (cfg.readOnlyPort > 0 && opts.listenPorts !== false) {
    const handler = agentHandler({ kubelet, stats, readOnly: true });
    const s = await listen(handler, host, cfg.readOnlyPort, log);
    servers.push(s);
    agent.readOnlyPort = portOf(s);
    // On a machine with several agents on 127.0.0.N (the local lab), the first one also answers
    // on localhost, so the seed's `curl localhost:10255/pods` works there too.
    if (host.startsWith("127.") && host !== "127.0.0.1") {
      const extra = await listen(handler, "127.0.0.1", cfg.readOnlyPort, log).catch(() => undefined);
      if (extra) servers.push(extra);
    }
  }
  if (cfg.port !== 0 && opts.listenPorts !== false) {
    const main = mainPort({ cfg, kubelet, runtime, stats, metrics, withApi: api !== undefined, rescan: () => staticSources.rescanFolder(), log });
    const s = await listen(main.handler, host, cfg.port, log, main.upgrade);
    servers.push(s);
    agent.port = portOf(s);
  }
  if (api) await api.start(kubelet, informers!);
  log.info({ address: cfg.address, readOnlyPort: agent.readOnlyPort, port: agent.port }, "agent started");
  return agent;
}
