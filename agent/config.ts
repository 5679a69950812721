// The agent's configuration: what `kubelab agent` flags become, with the kubelet's defaults.
import { networkInterfaces, hostname } from "node:os";

export interface AgentConfig {
  nodeName: string;
  /** The node's address: reported as InternalIP, host ports and NodePorts bind here. */
  address: string;
  kubeconfig?: string;
  server?: string;
  rootDir: string;
  podManifestPath?: string;
  /** 0 disables. */
  readOnlyPort: number;
  /** 0 disables. */
  port: number;
  pauseImage: string;
  /** Docker network the pods join. */
  network: string;
  dockerHost?: string;
  podCIDR?: string;
  /** The range of every node's pod CIDR: given, the agent writes the host rules for pod-to-pod traffic (agent/network/host-rules.ts). */
  clusterCIDR?: string;
  cpu?: number;
  memoryBytes?: number;
  maxPods: number;
  nodeLabels: Record<string, string>;
  nodeStatusUpdateFrequencyMs: number;
  leaseDurationSeconds: number;
  crashLoopBackoffInitialMs: number;
  crashLoopBackoffMaxMs: number;
  imagePullBackoffInitialMs: number;
  imagePullBackoffMaxMs: number;
  relistPeriodMs: number;
  /** Relist period while Docker's event stream is connected and nothing changed for 10 s. */
  quietRelistPeriodMs: number;
  resyncPeriodMs: number;
  staticPodRescanMs: number;
  statsPeriodMs: number;
  /** --authorization-mode of the main port: Webhook (ask the API server, auth/) or AlwaysAllow. */
  authorizationMode: "Webhook" | "AlwaysAllow";
  /** --manifest-url: static pods polled from there (./manifest-url.ts). */
  manifestUrl?: string;
  manifestUrlHeaders?: Array<[string, string]>;
  /** How often the manifest URL is read (the kubelet's --http-check-frequency). */
  httpCheckFrequencyMs?: number;
}

export const KUBELET_VERSION = "v1.32.0-kubelab";

export function firstNonLoopbackIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export function defaultConfig(overrides: Partial<AgentConfig> & { nodeName?: string }): AgentConfig {
  return {
    nodeName: hostname().toLowerCase(),
    address: firstNonLoopbackIPv4(),
    rootDir: "/var/lib/kubelab/agent",
    readOnlyPort: 10255,
    port: 10250,
    pauseImage: "registry.k8s.io/pause:3.10",
    network: "bridge",
    maxPods: 110,
    nodeLabels: {},
    nodeStatusUpdateFrequencyMs: 10_000,
    leaseDurationSeconds: 40,
    crashLoopBackoffInitialMs: 10_000,
    crashLoopBackoffMaxMs: 300_000,
    imagePullBackoffInitialMs: 10_000,
    imagePullBackoffMaxMs: 300_000,
    relistPeriodMs: 1000,
    quietRelistPeriodMs: 5000,
    resyncPeriodMs: 10_000,
    staticPodRescanMs: 20_000,
    statsPeriodMs: 10_000,
    authorizationMode: "Webhook",
    ...overrides,
  };
}

