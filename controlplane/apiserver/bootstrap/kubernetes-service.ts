// The kubernetes Service in default (kube-apiserver's "kubernetes service" bootstrap controller,
// pkg/controlplane/controller/kubernetesservice): ClusterIP the first address of the service
// range, port 443 "https" to the API server's port, and Endpoints plus an EndpointSlice, both
// named kubernetes, listing the API servers. Reconciled at start and every intervalMs, so an edit
// or a delete is undone. `peers` says which API servers are live: the API server passes its
// master leases (identity/master-leases.ts, Kubernetes' lease endpoint reconciler), so every
// live server is listed and a dead one drops out; without `peers` each adds itself only.
import type { Logger } from "pino";
import type { EndpointSubset, Endpoints, Service } from "../../../api/core";
import type { EndpointSlice } from "../../../api/discovery";
import type { KObject, ResourceType } from "../../../api/resource";
import { ApiError } from "../errors";
import type { Registry } from "../registry";
import { retryLostRace } from "./retry";

export interface ApiServerEndpoint {
  ip: string;
  port: number;
}

export interface KubernetesServiceOptions {
  registry: Registry;
  types: ResourceType[];
  /** The kubernetes Service's cluster IP (10.96.0.1). */
  clusterIP: string;
  self: ApiServerEndpoint;
  /** The API servers to list besides those already listed (a lease-backed one replaces them all). */
  peers?: () => Promise<{ endpoints: ApiServerEndpoint[]; authoritative: boolean }>;
  intervalMs?: number;
  logger: Logger;
}

const NAME = "kubernetes";
const NS = "default";
const MANAGER = "kube-apiserver";
const write = { fieldManager: MANAGER };

export function desiredService(clusterIP: string, targetPort: number): KObject & Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: NAME, namespace: NS, labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP, sessionAffinity: "None", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort }] },
  };
}

/** The Service with its type and port put back, or undefined when both are right. */
export function repairedService(live: KObject & Service, targetPort: number): (KObject & Service) | undefined {
  const spec = live.spec ?? {};
  const port = spec.ports?.length === 1 ? spec.ports[0]! : undefined;
  if (spec.type === "ClusterIP" && port?.name === "https" && port.port === 443 && port.protocol === "TCP" && port.targetPort !== undefined) return undefined;
  return { ...live, spec: { ...spec, type: "ClusterIP", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: port?.targetPort ?? targetPort }] } };
}

/** Subsets grouped by port (kube-apiservers normally share one), sorted, so writes are stable. */
export function endpointSubsets(servers: ApiServerEndpoint[]): EndpointSubset[] {
  const byPort = new Map<number, Set<string>>();
  for (const s of servers) byPort.set(s.port, (byPort.get(s.port) ?? new Set()).add(s.ip));
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ips]) => ({ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: "https", port, protocol: "TCP" }] }));
}

/** The servers an Endpoints object lists under the https port. */
export function listedServers(ep: Endpoints | undefined): ApiServerEndpoint[] {
  const out: ApiServerEndpoint[] = [];
  for (const subset of ep?.subsets ?? []) {
    const port = subset.ports?.find((p) => p.name === "https")?.port;
    if (port !== undefined) for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port });
  }
  return out;
}

/** A slice has one port list: it lists the servers on the lowest port (normally all of them). */
export function desiredSlice(servers: ApiServerEndpoint[]): KObject & EndpointSlice {
  const port = Math.min(...servers.map((s) => s.port));
  const ips = [...new Set(servers.filter((s) => s.port === port).map((s) => s.ip))].sort();
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: NAME, namespace: NS, labels: { "kubernetes.io/service-name": NAME } },
    addressType: "IPv4",
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: "https", port, protocol: "TCP" }],
  };
}

export class KubernetesServiceReconciler {
  private readonly services: ResourceType;
  private readonly endpoints: ResourceType;
  private readonly slices: ResourceType | undefined;

  constructor(private readonly opts: KubernetesServiceOptions) {
    const find = (group: string, kind: string) => opts.types.find((t) => t.group === group && t.kind === kind);
    this.services = find("", "Service")!;
    this.endpoints = find("", "Endpoints")!;
    this.slices = find("discovery.k8s.io", "EndpointSlice");
  }

  async reconcile(): Promise<void> {
    await this.reconcileService();
    const servers = await this.reconcileEndpoints();
    if (this.slices) await this.reconcileSlice(servers);
  }

  /** Reconciles now and then every intervalMs (default 10 s, as kube-apiserver); returns stop. */
  start(): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const loop = async () => {
      try {
        // Servers starting together race here: the loser reads again at once, not in 10 s.
        await retryLostRace(() => this.reconcile());
      } catch (err) {
        this.opts.logger.warn({ err }, "reconciling the kubernetes Service failed; retrying");
      }
      if (!stopped) timer = setTimeout(loop, this.opts.intervalMs ?? 10_000).unref();
    };
    void loop();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  private async reconcileService(): Promise<void> {
    const { registry, clusterIP, self } = this.opts;
    const live = (await registry.tryGet(this.services, NS, NAME)) as (KObject & Service) | undefined;
    if (!live) return void (await ignoreExists(registry.create(this.services, NS, desiredService(clusterIP, self.port), write)));
    const repaired = repairedService(live, self.port);
    if (repaired) await registry.update(this.services, NS, NAME, repaired, write);
  }

  private async reconcileEndpoints(): Promise<ApiServerEndpoint[]> {
    const { registry, self } = this.opts;
    const live = (await registry.tryGet(this.endpoints, NS, NAME)) as (KObject & Endpoints) | undefined;
    const peers = this.opts.peers ? await this.opts.peers() : { endpoints: [self], authoritative: false };
    const servers = peers.authoritative ? peers.endpoints : [...listedServers(live), ...peers.endpoints];
    const subsets = endpointSubsets(servers);
    // Kubernetes marks it so the EndpointSlice mirroring controller leaves it to the API server.
    const labels = { "endpointslice.kubernetes.io/skip-mirror": "true" };
    if (!live) {
      const ep: KObject = { apiVersion: "v1", kind: "Endpoints", metadata: { name: NAME, namespace: NS, labels }, subsets };
      await ignoreExists(registry.create(this.endpoints, NS, ep, write));
    } else if (JSON.stringify(live.subsets ?? []) !== JSON.stringify(subsets) || live.metadata.labels?.["endpointslice.kubernetes.io/skip-mirror"] !== "true") {
      const next = { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, ...labels } }, subsets };
      await registry.update(this.endpoints, NS, NAME, next, write);
    }
    return servers;
  }

  private async reconcileSlice(servers: ApiServerEndpoint[]): Promise<void> {
    const { registry } = this.opts;
    const want = desiredSlice(servers);
    const live = (await registry.tryGet(this.slices!, NS, NAME)) as (KObject & EndpointSlice) | undefined;
    if (!live) return void (await ignoreExists(registry.create(this.slices!, NS, want, write)));
    const same = JSON.stringify([live.endpoints, live.ports, live.addressType]) === JSON.stringify([want.endpoints, want.ports, want.addressType]);
    if (same && live.metadata.labels?.["kubernetes.io/service-name"] === NAME) return;
    const next = { ...live, addressType: want.addressType, endpoints: want.endpoints, ports: want.ports, metadata: { ...live.metadata, labels: { ...live.metadata.labels, ...want.metadata.labels } } };
    await registry.update(this.slices!, NS, NAME, next, write);
  }
}

/** Another API server created it first: fine, the next round reconciles it. */
async function ignoreExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === "AlreadyExists")) throw e;
  }
}
