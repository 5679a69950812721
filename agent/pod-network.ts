// The node's pod network, the part of the kubelet + CNI plugin + NodeLocal DNSCache this agent
// plays. With --network <name> (anything but Docker's "bridge" or "host") the agent owns a Docker
// bridge of that name on the node's pod CIDR (--pod-cidr, else the spec.podCIDR the control plane's
// node IPAM gives the Node), every pod's sandbox joins it, and once it exists:
//   - with --cluster-cidr, the host rules that let pods of all nodes reach each other without NAT
//     (network/host-rules.ts; needed where several nodes share one kernel, as in the local lab);
//   - the node's cluster DNS on the bridge's gateway, port 53, and every pod's resolv.conf naming it
//     (network/pod-dns.ts).
// Until then new sandboxes wait (NetworkNotReady). With an API server, every container also gets
// the Service variables (network/service-env.ts), whatever the network. Stopping the agent leaves
// the bridge and the rules in place: its pods keep running (`lab down` removes them).
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Node } from "../api/core";
import { ignoreNotFound } from "../client/errors";
import { nodes } from "../client/resources";
import type { SharedInformers } from "../client/informer-factory";
import type { ApiClient } from "../client/rest";
import { nodeApiClient } from "./bootstrap/transport";
import type { AgentConfig } from "./config";
import type { ClusterDns } from "./dns";
import type { DnsWarning } from "./dns/resolv-conf";
import { ContainerConfigError } from "./env";
import { ensureBridge, type Bridge } from "./network/bridge";
import { ClusterServices, SERVICES_NOT_SYNCED } from "./network/cluster-services";
import { ensureHostRules } from "./network/host-rules";
import { readHostResolvConf, writePodResolvConf } from "./network/pod-dns";
import type { Pod } from "./types";

/** What the pod executor (pod-sync.ts) asks of the network. */
export interface PodNetworkHooks {
  /** The Docker network a new sandbox joins, or why it must wait. */
  sandboxNetwork(): { network: string } | { notReady: string };
  /** Service variables and the resolv.conf bind for one container; ContainerConfigError when it cannot start yet. */
  containerSetup(pod: Pod): Promise<{ env: Map<string, string>; binds: string[]; warnings: DnsWarning[] }>;
}

export interface PodNetworkOptions {
  cfg: AgentConfig;
  docker: Docker;
  log: Logger;
  /** The API server (the Node's podCIDR); none for a standalone agent. */
  client?: ApiClient;
  /** The agent's shared caches (Services and Endpoints for env and DNS), started by the agent; none for a standalone agent. */
  informers?: SharedInformers;
  metrics?: Registry;
  /** The DNS port on the gateway (53; tests of the agent alone may pick another). */
  dnsPort?: number;
  retryMs?: number;
}

export const DNS_PORT = 53;

/**
 * The pod network's client to the API server: the node's own (./bootstrap/transport.ts), as
 * agent/api/integration.ts's apiClientFor (agent.ts cannot import that module: a cycle).
 */
export function podNetworkClient(cfg: AgentConfig): ApiClient {
  return nodeApiClient(cfg);
}
const HOST_RULES_CHECK_MS = 30_000;

/** Docker's own networks: the agent uses them as they are (no bridge, rules or DNS of its own). */
export const ownsBridge = (network: string): boolean => network !== "bridge" && network !== "host" && network !== "none";

export class PodNetwork implements PodNetworkHooks {
  private bridge?: Bridge;
  private dns?: ClusterDns;
  private problem = "the node's pod network is being set up";
  private readonly services?: ClusterServices;
  private readonly hostResolv = readHostResolvConf();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private metricsTaken = false;
  private failures = 0;

  constructor(private readonly opts: PodNetworkOptions) {
    if (opts.informers) this.services = new ClusterServices(opts.informers, opts.log);
  }

  /**
   * Starts the set-up. With --pod-cidr it needs nothing of the API server, so the first attempt is
   * awaited: the bridge exists before the agent reports healthy. Never throws (failures are retried).
   */
  async start(): Promise<void> {
    if (!ownsBridge(this.opts.cfg.network)) return;
    if (this.opts.cfg.podCIDR) await this.setUp();
    else void this.setUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.services?.stop();
    await this.dns?.close();
  }

  /** The bridge once it exists (its gateway is the node's DNS address). */
  current(): Bridge | undefined {
    return this.bridge;
  }

  sandboxNetwork(): { network: string } | { notReady: string } {
    const { network } = this.opts.cfg;
    if (!ownsBridge(network) || this.bridge) return { network };
    return { notReady: `network is not ready: ${this.problem}` };
  }

  async containerSetup(pod: Pod): Promise<{ env: Map<string, string>; binds: string[]; warnings: DnsWarning[] }> {
    const env = this.services ? await this.services.serviceEnv(pod) : new Map<string, string>();
    if (!env) throw new ContainerConfigError(SERVICES_NOT_SYNCED);
    if (!this.bridge) return { env, binds: [], warnings: [] };
    const { cfg } = this.opts;
    // Without an API server there is no cluster DNS: ClusterFirst falls back to the node's resolvers.
    const clusterDNS = this.services ? [this.bridge.gateway] : [];
    const file = await writePodResolvConf({ rootDir: cfg.rootDir, pod, clusterDNS, host: this.hostResolv, nodeIP: cfg.address });
    return { env, binds: [file.bind], warnings: file.warnings ?? [] };
  }

  /** Each step is idempotent; a failed one is retried until all are done. */
  private async setUp(): Promise<void> {
    const { cfg, log } = this.opts;
    try {
      if (!this.bridge) {
        const cidr = cfg.podCIDR ?? (await this.nodePodCIDR());
        if (!cidr) {
          this.problem = "the Node has no spec.podCIDR yet (give the agent --pod-cidr, or the server --allocate-node-cidrs)";
          return this.schedule(() => this.setUp(), this.opts.retryMs ?? 1000); // node IPAM's answer is one GET away
        }
        const bridge = await ensureBridge(this.opts.docker, { name: cfg.network, node: cfg.nodeName, subnet: cidr, masquerade: !cfg.clusterCIDR });
        await this.ensureRules(bridge);
        this.bridge = bridge;
        log.info({ network: bridge.name, subnet: bridge.subnet, gateway: bridge.gateway }, "pod network ready");
      }
      if (!this.dns && this.services && this.bridge) {
        const metrics = this.metricsTaken ? undefined : this.opts.metrics;
        this.metricsTaken = true; // CoreDNS's metrics register once per registry, even if the bind then fails
        this.dns = await this.services.startDns(this.bridge.gateway, this.opts.dnsPort ?? DNS_PORT, metrics);
      }
      this.failures = 0;
      this.schedule(() => this.checkRules(), HOST_RULES_CHECK_MS);
    } catch (err) {
      this.problem = (err as Error).message;
      log.warn({ err: this.problem }, "pod network set-up failed, retrying");
      this.retry();
    }
  }

  /** Again after 1 s, doubling up to 30 s while it keeps failing (a taken port 53 is not fixed by asking every second). */
  private retry(): void {
    const base = this.opts.retryMs ?? 1000;
    this.schedule(() => this.setUp(), Math.min(base * 2 ** Math.min(this.failures++, 5), 30_000));
  }

  private schedule(fn: () => Promise<void>, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), ms);
  }

  private async ensureRules(bridge: Bridge): Promise<void> {
    const { cfg, log } = this.opts;
    if (!cfg.clusterCIDR) return;
    if (await ensureHostRules({ node: cfg.nodeName, podCIDR: bridge.subnet, clusterCIDR: cfg.clusterCIDR })) {
      log.info({ podCIDR: bridge.subnet, clusterCIDR: cfg.clusterCIDR }, "host rules for the pod network written");
    }
  }

  /** Someone may flush the host's rules (a firewall reload): put ours back. */
  private async checkRules(): Promise<void> {
    try {
      if (this.bridge) await this.ensureRules(this.bridge);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, "checking the pod network's host rules failed");
    }
    this.schedule(() => this.checkRules(), HOST_RULES_CHECK_MS);
  }

  private async nodePodCIDR(): Promise<string | undefined> {
    if (!this.opts.client) return undefined;
    const node = await this.opts.client.get<Node>(nodes, undefined, this.opts.cfg.nodeName).catch(ignoreNotFound);
    return node?.spec?.podCIDR || undefined;
  }
}
