// Cluster DNS, the entry point: startClusterDns serves the cluster domain from Services,
// Endpoints and (for hostname/subdomain) Pods kept by informers the caller owns and starts, and
// forwards every other name to the node's resolvers.
//
//   const informers = new SharedInformers(client, log);
//   const dns = await startClusterDns({ services: informers.services(), endpoints: informers.endpoints(),
//     pods: informers.pods(), listen: [{ address: bridgeGatewayIP, port: 53 }], logger: log, metrics: registry });
//   informers.start(signal); ... await dns.close();
//
// Until every informer has synced, the zone's names get SERVFAIL (never a false NXDOMAIN); other
// names are forwarded from the start. The zone is rebuilt lazily, on the first query after a
// change (at most every 100 ms by default).
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Endpoints, Pod, Service } from "../../api/core";
import type { EventHandlers } from "../../client";
import { fromCoreEndpoints, type ServiceEndpoints } from "./endpoints";
import { DnsMetrics } from "./metrics";
import { buildZone, DEFAULT_DOMAIN, type ZoneData } from "./records";
import { Responder } from "./responder";
import { DnsServer, type ListenAddress } from "./server";
import { Forwarder, nodeNameservers, type UpstreamServer } from "./upstream";

export type { ListenAddress } from "./server";
export type { UpstreamServer } from "./upstream";
export type { EndpointInfo, EndpointPortInfo, ServiceEndpoints } from "./endpoints";
export { DEFAULT_DOMAIN, DEFAULT_TTL_SECONDS } from "./records";

/** What an Informer offers (client/informer.ts), so a test or another cache can stand in. */
export interface Watched<T> {
  list(): T[];
  get(key: string): T | undefined;
  addEventHandler(handlers: EventHandlers<T>): () => void;
  hasSynced(): boolean;
}

export interface ClusterDnsOptions {
  services: Watched<Service>;
  /** core/v1 Endpoints; or give endpointSets instead. */
  endpoints?: Watched<Endpoints>;
  /**
   * Any other endpoint source, e.g. discovery.k8s.io/v1 EndpointSlices:
   * endpointSetsFrom(informers.endpointSlices(), (slices) => one ServiceEndpoints per Service).
   */
  endpointSets?: EndpointSetSource;
  /** For endpoints without a hostname whose pod has spec.hostname + spec.subdomain. */
  pods?: Watched<Pod>;
  listen: ListenAddress[];
  /** Default: the nameservers of /etc/resolv.conf. */
  upstream?: UpstreamServer[];
  upstreamTimeoutMs?: number;
  /** Default cluster.local. */
  domain?: string;
  /** Record TTL in seconds; default 5 (CoreDNS's kubernetes plugin default). */
  ttl?: number;
  /**
   * The zone is rebuilt at most this often (default 100 ms): under endpoint churn a query gets the
   * zone of at most this long ago instead of paying a rebuild (~10-30 ms at 10,000 endpoints) each.
   */
  minRebuildIntervalMs?: number;
  logger?: Logger;
  /** CoreDNS's metrics are registered here (once per registry). */
  metrics?: Registry;
}

/** Where the zone's endpoints come from: told of changes, read whole on a rebuild. */
export interface EndpointSetSource {
  /** Calls fn on any change; returns an unsubscribe. */
  onChange(fn: () => void): () => void;
  hasSynced(): boolean;
  /** The endpoints of every Service now (slices of one Service merged into one). */
  sets(): ServiceEndpoints[];
}

export function endpointSetsFrom<T>(watched: Watched<T>, toSets: (items: T[]) => ServiceEndpoints[]): EndpointSetSource {
  return {
    onChange: (fn) => watched.addEventHandler({ onAdd: fn, onUpdate: fn, onDelete: fn }),
    hasSynced: () => watched.hasSynced(),
    sets: () => toSets(watched.list()),
  };
}

export interface ClusterDns {
  addresses(): ListenAddress[];
  /** The zone as it would answer now (undefined before the informers synced). */
  zone(): ZoneData | undefined;
  close(): Promise<void>;
}

/** The cluster zone, rebuilt on the first read after a change (at most every minRebuildIntervalMs). */
class ZoneCache {
  private readonly endpointSource: EndpointSetSource;
  private current?: ZoneData;
  private dirty = true;
  private builtAt = 0;
  private serial = 0;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly opts: ClusterDnsOptions) {
    const source = opts.endpointSets ?? (opts.endpoints && endpointSetsFrom(opts.endpoints, (items) => items.map(fromCoreEndpoints)));
    if (!source || (opts.endpoints && opts.endpointSets)) throw new Error("startClusterDns: give exactly one of endpoints and endpointSets");
    this.endpointSource = source;
    const touch = () => void (this.dirty = true);
    const all = { onAdd: touch, onUpdate: touch, onDelete: touch };
    this.unsubscribe.push(opts.services.addEventHandler(all), source.onChange(touch));
    // Pods matter only through spec.hostname/subdomain: status churn does not rebuild the zone.
    const named = (p: Pod) => Boolean(p.spec?.hostname && p.spec?.subdomain);
    if (opts.pods) {
      this.unsubscribe.push(
        opts.pods.addEventHandler({
          onAdd: (p) => named(p) && touch(),
          onUpdate: (o, n) => (named(o) || named(n)) && touch(),
          onDelete: (p) => named(p) && touch(),
        }),
      );
    }
  }

  zone(): ZoneData | undefined {
    const { services, pods } = this.opts;
    const endpoints = this.endpointSource;
    if (!services.hasSynced() || !endpoints.hasSynced() || (pods && !pods.hasSynced())) return undefined;
    const due = performance.now() - this.builtAt >= (this.opts.minRebuildIntervalMs ?? 100);
    if (!this.current || (this.dirty && due)) {
      this.dirty = false;
      this.builtAt = performance.now();
      this.current = buildZone({
        domain: this.opts.domain,
        ttl: this.opts.ttl,
        serial: ++this.serial,
        services: services.list(),
        endpoints: endpoints.sets(),
        pod: pods && ((ns, name) => pods.get(`${ns}/${name}`)),
      });
    }
    return this.current;
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }
}

export async function startClusterDns(opts: ClusterDnsOptions): Promise<ClusterDns> {
  const metrics = opts.metrics ? new DnsMetrics(opts.metrics) : undefined;
  const cache = new ZoneCache(opts);
  // Never forward to ourselves (a node whose resolv.conf names the address we serve would loop).
  const self = new Set(opts.listen.map((l) => `${l.address}:${l.port}`));
  const forwarder = new Forwarder({
    upstreams: (opts.upstream ?? nodeNameservers()).filter((u) => !self.has(`${u.address}:${u.port}`)),
    timeoutMs: opts.upstreamTimeoutMs,
    onExchange: metrics && ((to, outcome) => metrics.forwarded(to, outcome)),
  });
  const domain = (opts.domain ?? DEFAULT_DOMAIN).toLowerCase().replace(/\.$/, "");
  const responder = new Responder({ domain, zone: () => cache.zone(), forward: (q, proto) => forwarder.forward(q, proto) });
  let server: DnsServer;
  try {
    server = await DnsServer.start({ listen: opts.listen, responder, logger: opts.logger, metrics });
  } catch (err) {
    cache.stop();
    throw err;
  }
  opts.logger?.info({ listen: server.addresses(), domain }, "cluster dns serving");
  return {
    addresses: () => server.addresses(),
    zone: () => cache.zone(),
    close: async () => {
      cache.stop();
      await server.close();
    },
  };
}
