// The agent's kernel service proxy and NetworkPolicy enforcer, wired: informers for Services and
// Namespaces (the agent's shared ones, which the NodePort proxy and DNS read too) and for
// EndpointSlices, Pods and NetworkPolicies (all namespaces), the node's facts (its
// address, its pod CIDR: the flag's, else the Node's spec.podCIDR; the gateway is the CIDR's
// first address, where the pod bridge has it), and a Proxier writing `table ip kubelab-<node>`.
// It runs only where the node has a pod bridge of its own and nft works (root); otherwise, and
// while the kernel rules cannot be written, the userspace NodePort proxy (service-proxy.ts)
// serves the node's NodePorts.
//
//   const kp = await startKernelProxy({ cfg, client, informers, log });   // undefined: userspace only
//   ...; kp?.stop();                                           // leaves the table (restarts keep traffic flowing)
import type { Logger } from "pino";
import type { Node, Pod } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import type { NetworkPolicy } from "../../api/networking";
import { Informer } from "../../client/informer";
import type { SharedInformers } from "../../client/informer-factory";
import { stripManagedFields } from "../../client/reflector";
import { endpointslices, networkpolicies, nodes, pods, type ResourceRef } from "../../client/resources";
import type { ApiClient } from "../../client/rest";
import type { AgentConfig } from "../config";
import { gatewayOf } from "../network/bridge";
import { setKernelServesNodePorts } from "../service-proxy";
import { ensureHairpin, ensureRouteLocalnet } from "./host";
import { tableName, type NodeFacts } from "./model";
import { nftCommand, type Nft } from "./nft";
import { Proxier, type SyncStats } from "./proxier";

export { teardownNodeTables } from "./nft";

// Not yet in client/resources.ts (the controllers have their own copy).

export interface KernelProxy {
  proxier: Proxier;
  stop(): void;
}

export interface KernelProxyOptions {
  cfg: AgentConfig;
  client: ApiClient;
  /** The agent's shared caches (Services, Namespaces), started by the agent. */
  informers: SharedInformers;
  log: Logger;
  nft?: Nft;
}

/** Does nft run here (installed, and we may change netfilter)? */
async function nftWorks(nft: Nft): Promise<boolean> {
  try {
    await nft("", ["list", "tables"]);
    return true;
  } catch {
    return false;
  }
}

/** A pod update matters to the rules only through what policies and peers read. */
const podChanged = (a: Pod, b: Pod): boolean =>
  a.status?.podIP !== b.status?.podIP || a.status?.phase !== b.status?.phase || JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels) || Boolean(a.metadata.deletionTimestamp) !== Boolean(b.metadata.deletionTimestamp);

export async function startKernelProxy({ cfg, client, informers, log, nft = nftCommand() }: KernelProxyOptions): Promise<KernelProxy | undefined> {
  if (!(await nftWorks(nft))) {
    log.warn("nft is not available (not root, or nftables missing): NodePorts are served in userspace, ClusterIPs and NetworkPolicies are not");
    return undefined;
  }
  const abort = new AbortController();
  // The rules are computed from these caches, never written back: kept without managedFields
  // (every pod of the cluster is cached on every node, for the policies' pod selectors).
  const inf = <T extends { metadata: { name?: string } }>(resource: ResourceRef, fieldSelector?: string) =>
    new Informer<T & { metadata: { name?: string; namespace?: string } }>({ client, resource, logger: log, transform: stripManagedFields, ...(fieldSelector ? { fieldSelector } : {}) });
  const node = inf<Node>(nodes, `metadata.name=${cfg.nodeName}`);
  const podInformer = inf<Pod>(pods);
  // Status churn (restarts, conditions) must not rewrite the rules: only what they read.
  const podsForRules = {
    list: () => podInformer.list(),
    hasSynced: () => podInformer.hasSynced(),
    addEventHandler: (h: Parameters<typeof podInformer.addEventHandler>[0]) =>
      podInformer.addEventHandler({ onAdd: h.onAdd, onDelete: h.onDelete, onUpdate: (a, b) => podChanged(a, b) && h.onUpdate?.(a, b) }),
  };
  const facts = (): NodeFacts | undefined => {
    const podCIDR = cfg.podCIDR ?? node.list()[0]?.spec?.podCIDR;
    return podCIDR ? { nodeName: cfg.nodeName, address: cfg.address, podCIDR, gateway: gatewayOf(podCIDR) } : undefined;
  };
  const routeLocalnet = await ensureRouteLocalnet(cfg.address).catch((err: Error) => (log.warn({ err: err.message }, "cannot set route_localnet: NodePorts on the loopback node address stay in userspace"), false));
  const onSync = (s: SyncStats): void => {
    if (!cfg.address.startsWith("127.") || routeLocalnet) setKernelServesNodePorts(cfg.address, true);
    const f = facts();
    if (f) void ensureHairpin(f.gateway).catch(() => undefined);
    if (s.changed) log.debug({ ms: Math.round(s.ms), lines: s.lines }, "netfilter rules in place");
  };
  const slices = inf<EndpointSlice>(endpointslices);
  const policies = inf<NetworkPolicy>(networkpolicies);
  const shared = { services: informers.services(), namespaces: informers.namespaces() };
  const watched = { ...shared, slices, policies };
  const proxier = new Proxier({
    sources: { ...watched, pods: podsForRules },
    node: facts,
    nft,
    log,
    onSync,
    onError: () => setKernelServesNodePorts(cfg.address, false),
  });
  // The Node matters only through its pod CIDR (its status changes every heartbeat).
  node.addEventHandler({ onAdd: () => proxier.changed(), onUpdate: (a, b) => a.spec?.podCIDR !== b.spec?.podCIDR && proxier.changed() });
  const own: Array<Pick<Informer<never>, "start" | "waitForSync">> = [node, podInformer, slices, policies];
  for (const i of own) i.start(abort.signal);
  // Informers with nothing to list send no event: say when all have synced.
  void Promise.all([...own, ...Object.values(shared)].map((i) => i.waitForSync(abort.signal))).then(() => proxier.changed());
  log.info({ table: tableName(cfg.nodeName) }, "kernel service proxy and NetworkPolicy enforcement started (nftables)");
  return {
    proxier,
    stop() {
      abort.abort();
      proxier.stop();
    },
  };
}
