// A pod's /etc/resolv.conf: computed by agent/dns/resolv-conf.ts (the kubelet's rules: dnsPolicy,
// dnsConfig, limits), written once per pod into its directory and bind-mounted read-only into each
// of its containers, as the kubelet's runtime mounts the sandbox's resolv.conf. (Docker's own file
// would name its embedded resolver 127.0.0.11 on a user-defined network, not the node's DNS.)
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_DOMAIN } from "../dns/records";
import { formatResolvConf, parseResolvConf, podDnsConfig, type DnsWarning, type ResolvConf } from "../dns/resolv-conf";
import type { Pod } from "../types";
import { podDir } from "../volumes";

export interface PodDnsFile {
  /** host path:/etc/resolv.conf:ro */
  bind: string;
  /** Set when the file was (re)written now: the warnings to record as events. */
  warnings?: DnsWarning[];
}

/** The node's resolv.conf (the kubelet's --resolv-conf, /etc/resolv.conf); undefined when unreadable. */
export function readHostResolvConf(path = "/etc/resolv.conf"): ResolvConf | undefined {
  try {
    return parseResolvConf(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

export async function writePodResolvConf(opts: {
  rootDir: string;
  pod: Pod;
  clusterDNS: string[];
  host: ResolvConf | undefined;
  nodeIP: string;
}): Promise<PodDnsFile> {
  const { config, warnings } = podDnsConfig({
    pod: opts.pod,
    clusterDNS: opts.clusterDNS,
    clusterDomain: DEFAULT_DOMAIN,
    host: opts.host,
    nodeIPs: [opts.nodeIP],
  });
  const dir = podDir(opts.rootDir, opts.pod.metadata.uid);
  const path = join(dir, "resolv.conf");
  const text = formatResolvConf(config);
  const bind = `${path}:/etc/resolv.conf:ro`;
  if ((await readFile(path, "utf8").catch(() => undefined)) === text) return { bind };
  await mkdir(dir, { recursive: true });
  await writeFile(path, text, { mode: 0o644 });
  return { bind, warnings };
}
