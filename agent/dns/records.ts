// The records of the cluster domain, computed from Services, their endpoints and pods, as the
// Kubernetes DNS-based service discovery specification (kubernetes/dns docs/specification.md,
// schema 1.1.0) defines them. Pure: the server rebuilds the zone when its inputs change and
// answers from the result (zone.ts).
//   <svc>.<ns>.svc.<zone>            A/AAAA ClusterIP(s); headless: every ready endpoint's IP
//   <host>.<svc>.<ns>.svc.<zone>      A/AAAA of a headless Service's ready endpoint
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV per named port (headless: per ready endpoint)
//   <svc>.<ns>.svc.<zone>            CNAME for type ExternalName
//   reverse names                     PTR for ClusterIPs and ready headless endpoints
//   dns-version.<zone>               TXT schema version
// Pod A records (<a-b-c-d>.<ns>.pod.<zone>) are computed on lookup (zone.ts), as kube-dns did.
import { isIP } from "node:net";
import type { Pod, Service } from "../../api/core";
import { dashedIp, endpointHostname, type ServiceEndpoints } from "./endpoints";

/** CoreDNS's kubernetes plugin default: short enough that headless answers follow pods closely. */
export const DEFAULT_TTL_SECONDS = 5;
export const DEFAULT_DOMAIN = "cluster.local";
export const SCHEMA_VERSION = "1.1.0";

export interface SrvTarget {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export type Rr =
  | { type: "A" | "AAAA" | "CNAME" | "PTR" | "TXT"; data: string }
  | { type: "SRV"; data: SrvTarget };

export interface ZoneInput {
  domain?: string;
  ttl?: number;
  /** The SOA serial (the server counts rebuilds). */
  serial?: number;
  services: Service[];
  endpoints: ServiceEndpoints[];
  /** Finds the pod behind an endpoint (for spec.hostname/subdomain); optional. */
  pod?: (namespace: string, name: string) => Pod | undefined;
}

export interface ZoneData {
  /** Lower case, no trailing dot. */
  domain: string;
  ttl: number;
  serial: number;
  /** Lower-cased names without trailing dot → their records. */
  records: Map<string, Rr[]>;
  /** Names that exist without records of their own (ancestors of records, inside the domain). */
  nonTerminals: Set<string>;
}

/** A/AAAA for an IP by its family (undefined for something that is not an IP). */
export function addressRr(ip: string): Rr | undefined {
  const family = isIP(ip);
  if (family === 4) return { type: "A", data: ip };
  if (family === 6) return { type: "AAAA", data: ip };
  return undefined;
}

/** The reverse-lookup name of an IP (in-addr.arpa / ip6.arpa), without trailing dot. */
export function reverseName(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 4) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  if (family !== 6) return undefined;
  const [head, tail = ""] = ip.toLowerCase().split("::");
  const groups = (s: string) => (s ? s.split(":") : []);
  const h = groups(head!);
  const t = groups(tail);
  const all = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const nibbles = all.map((g) => g.padStart(4, "0")).join("");
  return `${[...nibbles].reverse().join(".")}.ip6.arpa`;
}

/** spec.clusterIPs (or clusterIP) when the Service has real ones; [] for headless/unallocated. */
export function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== "None" && isIP(ip) !== 0);
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === "None";
}

class ZoneBuilder {
  readonly records = new Map<string, Rr[]>();
  private readonly seen = new Set<string>();

  add(name: string, rr: Rr): void {
    const key = `${name}|${rr.type}|${JSON.stringify(rr.data)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const list = this.records.get(name);
    if (list) list.push(rr);
    else this.records.set(name, [rr]);
  }
}

export function buildZone(input: ZoneInput): ZoneData {
  const domain = (input.domain ?? DEFAULT_DOMAIN).toLowerCase().replace(/\.$/, "");
  const b = new ZoneBuilder();
  b.add(`dns-version.${domain}`, { type: "TXT", data: SCHEMA_VERSION });
  const endpointsByKey = new Map(input.endpoints.map((e) => [`${e.namespace}/${e.service}`, e]));
  for (const svc of input.services) {
    const ns = svc.metadata.namespace ?? "default";
    const name = (svc.metadata.name ?? "").toLowerCase();
    if (!name) continue;
    const fqdn = `${name}.${ns.toLowerCase()}.svc.${domain}`;
    if (svc.spec.type === "ExternalName") {
      if (svc.spec.externalName) b.add(fqdn, { type: "CNAME", data: svc.spec.externalName.replace(/\.$/, "") });
    } else if (isHeadless(svc)) {
      addHeadless(b, svc, fqdn, endpointsByKey.get(`${ns}/${svc.metadata.name}`), input.pod);
    } else {
      addClusterIP(b, svc, fqdn);
    }
  }
  return { domain, ttl: input.ttl ?? DEFAULT_TTL_SECONDS, serial: input.serial ?? 1, records: b.records, nonTerminals: nonTerminalsOf(b.records, domain) };
}

function srvName(port: { name?: string; protocol?: string }, fqdn: string): string | undefined {
  if (!port.name) return undefined; // unnamed ports have no SRV record
  return `_${port.name.toLowerCase()}._${(port.protocol ?? "TCP").toLowerCase()}.${fqdn}`;
}

function addClusterIP(b: ZoneBuilder, svc: Service, fqdn: string): void {
  const ips = clusterIPsOf(svc);
  if (ips.length === 0) return; // not allocated yet: no records
  for (const ip of ips) {
    const rr = addressRr(ip)!;
    b.add(fqdn, rr);
    b.add(reverseName(ip)!, { type: "PTR", data: fqdn });
  }
  for (const p of svc.spec.ports ?? []) {
    const name = srvName(p, fqdn);
    if (name) b.add(name, { type: "SRV", data: { priority: 0, weight: 100, port: p.port, target: fqdn } });
  }
}

function addHeadless(b: ZoneBuilder, svc: Service, fqdn: string, eps: ServiceEndpoints | undefined, pod: ZoneInput["pod"]): void {
  // publishNotReadyAddresses (and the annotation it replaced) make every endpoint "ready" for DNS.
  const tolerate = svc.spec.publishNotReadyAddresses === true || svc.metadata.annotations?.["service.alpha.kubernetes.io/tolerate-unready-endpoints"] === "true";
  const ready = (eps?.endpoints ?? []).filter((e) => (e.ready || tolerate) && addressRr(e.ip));
  const srv: Array<{ name: string; port: number; target: string }> = [];
  for (const e of ready) {
    const rr = addressRr(e.ip)!;
    const host = (endpointHostname(e, svc.metadata.name ?? "", e.pod && pod?.(e.pod.namespace, e.pod.name)) ?? dashedIp(e.ip)).toLowerCase();
    const target = `${host}.${fqdn}`;
    b.add(fqdn, rr);
    b.add(target, rr);
    b.add(reverseName(e.ip)!, { type: "PTR", data: target });
    for (const p of e.ports) {
      const name = srvName(p, fqdn);
      if (name) srv.push({ name, port: p.port, target });
    }
  }
  // Equal weights that sum to about 100 per name, so clients spread over the endpoints.
  const perName = new Map<string, number>();
  for (const s of srv) perName.set(s.name, (perName.get(s.name) ?? 0) + 1);
  for (const s of srv) {
    const weight = Math.max(1, Math.floor(100 / perName.get(s.name)!));
    b.add(s.name, { type: "SRV", data: { priority: 0, weight, port: s.port, target: s.target } });
  }
}

/** Every ancestor of a record's name down to the domain exists (NODATA, not NXDOMAIN). */
function nonTerminalsOf(records: Map<string, Rr[]>, domain: string): Set<string> {
  const out = new Set<string>([domain]);
  for (const name of records.keys()) {
    if (!name.endsWith(`.${domain}`)) continue;
    let n = name;
    while (n !== domain) {
      n = n.slice(n.indexOf(".") + 1);
      if (out.has(n)) break;
      out.add(n);
    }
  }
  return out;
}
