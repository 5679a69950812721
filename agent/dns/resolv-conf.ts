// A pod's /etc/resolv.conf by the kubelet's rules (pkg/kubelet/network/dns/dns.go, 1.32):
//   ClusterFirst (the default): the cluster DNS, search <ns>.svc.<domain> svc.<domain> <domain>
//     plus the node's search domains, options ndots:5; a hostNetwork pod falls back to Default.
//   ClusterFirstWithHostNet: ClusterFirst, also for hostNetwork pods.
//   Default: the node's resolv.conf (the kubelet's --resolv-conf).
//   None: nothing but the pod's dnsConfig.
// dnsConfig is then merged in (nameservers and searches appended without duplicates, options
// overriding by name), and the result cut to the limits: 3 nameservers, 32 search domains of at
// most 253 characters, 2048 characters of search line (ExpandedDNSConfig, GA since 1.28).
// Without a cluster DNS address, ClusterFirst falls back to Default with a MissingClusterDNS
// warning, as the kubelet does. Pure: the caller writes the file and records the warnings as events.
import type { Pod } from "../../api/core";

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** "name" or "name:value", as on an options line. */
  options: string[];
}

export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_LINE_CHARS = 2048;
const MAX_SEARCH_NAME_CHARS = 253;

export interface PodDnsInput {
  pod: Pod;
  /** The cluster DNS server addresses (the kubelet's clusterDNS); empty when there is none. */
  clusterDNS: string[];
  /** e.g. cluster.local; "" for none. */
  clusterDomain: string;
  /** The node's resolv.conf, parsed; undefined when the agent is told to use none (--resolv-conf ""). */
  host: ResolvConf | undefined;
  /** The node's IPs, for the loopback nameservers used when there is no host resolv.conf. */
  nodeIPs?: string[];
}

export interface DnsWarning {
  /** The event reason the kubelet uses: MissingClusterDNS or DNSConfigForming. */
  reason: "MissingClusterDNS" | "DNSConfigForming";
  message: string;
}

export interface PodDns {
  config: ResolvConf;
  warnings: DnsWarning[];
}

/** resolv.conf text → its settings, by the kubelet's parser: nameservers add up, the last search and options lines win. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const [key, ...fields] = trimmed.split(/\s+/);
    if (key === "nameserver" && fields[0]) out.nameservers.push(fields[0]);
    // A domain with and without its trailing dot counts once.
    if (key === "search") out.searches = fields.map((s) => s.replace(/\.$/, ""));
    if (key === "options") out.options = fields;
  }
  return out;
}

const unique = (xs: string[]) => [...new Set(xs)];

type DnsType = "cluster" | "host" | "none";

function dnsTypeOf(pod: Pod): DnsType {
  switch (pod.spec.dnsPolicy ?? "ClusterFirst") {
    case "None":
      return "none";
    case "ClusterFirstWithHostNet":
      return "cluster";
    case "Default":
      return "host";
    default: // ClusterFirst (and anything the API server let through)
      return pod.spec.hostNetwork ? "host" : "cluster";
  }
}

function hostConfig(input: PodDnsInput): ResolvConf {
  if (input.host) return { nameservers: [...input.host.nameservers], searches: [...input.host.searches], options: [...input.host.options] };
  // No resolv.conf for the node: the local machine's resolver, as the bind documentation says.
  const ips = input.nodeIPs ?? [];
  const loopbacks = ips.map((ip) => (ip.includes(":") ? "::1" : "127.0.0.1"));
  return { nameservers: loopbacks.length ? loopbacks : ["127.0.0.1"], searches: ["."], options: [] };
}

export function podDnsConfig(input: PodDnsInput): PodDns {
  const warnings: DnsWarning[] = [];
  const { pod } = input;
  let config: ResolvConf;
  const type = dnsTypeOf(pod);
  if (type === "none") config = { nameservers: [], searches: [], options: [] };
  else if (type === "cluster" && input.clusterDNS.length > 0) {
    const host = input.host?.searches ?? [];
    const d = input.clusterDomain;
    const ns = pod.metadata.namespace ?? "default";
    config = { nameservers: [...input.clusterDNS], searches: d ? unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...host]) : [...host], options: ["ndots:5"] };
  } else {
    if (type === "cluster") {
      warnings.push({ reason: "MissingClusterDNS", message: `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.` });
    }
    config = hostConfig(input);
  }
  if (pod.spec.dnsConfig) config = appendDnsConfig(config, pod.spec.dnsConfig);
  return { config: fitLimits(config, warnings), warnings };
}

function appendDnsConfig(base: ResolvConf, extra: NonNullable<Pod["spec"]["dnsConfig"]>): ResolvConf {
  return {
    nameservers: unique([...base.nameservers, ...(extra.nameservers ?? [])]),
    searches: unique([...base.searches, ...(extra.searches ?? [])]),
    options: mergeOptions(base.options, extra.options ?? []),
  };
}

/** Options by name, the pod's overriding the base's; the base's order kept, new ones appended. */
function mergeOptions(base: string[], extra: Array<{ name?: string; value?: string }>): string[] {
  const byName = new Map<string, string | undefined>();
  for (const op of base) {
    const i = op.indexOf(":");
    byName.set(i === -1 ? op : op.slice(0, i), i === -1 ? undefined : op.slice(i + 1));
  }
  for (const op of extra) if (op.name) byName.set(op.name, op.value || undefined);
  return [...byName].map(([name, value]) => (value ? `${name}:${value}` : name));
}

function fitLimits(c: ResolvConf, warnings: DnsWarning[]): ResolvConf {
  let nameservers = c.nameservers;
  if (nameservers.length > MAX_NAMESERVERS) {
    nameservers = nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push({ reason: "DNSConfigForming", message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(" ")}` });
  }
  let searches = c.searches;
  let exceeded = false;
  if (searches.length > MAX_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const fitting = searches.filter((s) => s.length <= MAX_SEARCH_NAME_CHARS); // glibc aborts on longer ones
  if (fitting.length !== searches.length) exceeded = true;
  searches = fitting;
  while (searches.join(" ").length > MAX_SEARCH_LINE_CHARS) {
    searches = searches.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({ reason: "DNSConfigForming", message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(" ")}` });
  }
  return { nameservers, searches, options: c.options };
}

/** The file's text: search, nameserver and options lines (the ones with nothing are left out). */
export function formatResolvConf(c: ResolvConf): string {
  const lines = [
    ...(c.searches.length ? [`search ${c.searches.join(" ")}`] : []),
    ...c.nameservers.map((n) => `nameserver ${n}`),
    ...(c.options.length ? [`options ${c.options.join(" ")}`] : []),
  ];
  return lines.length ? `${lines.join("\n")}\n` : "";
}
