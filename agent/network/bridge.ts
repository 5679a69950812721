// The node's pod bridge: a Docker bridge network on the node's pod CIDR, gateway the first address
// (where the node's cluster DNS listens). The pause container of every pod joins it, so every pod
// IP comes from the pod CIDR. It carries the node's label, so `lab down` finds it; the agent never
// removes it itself (pods keep running across agent restarts).
import type Docker from "dockerode";
import { LABEL_NODE } from "../runtime/labels";

export const MANAGED_LABEL = "io.kubelab.managed";

export interface BridgeSpec {
  name: string;
  node: string;
  subnet: string;
  /** false: Docker adds no MASQUERADE rule (host-rules.ts masquerades only what leaves the cluster). */
  masquerade: boolean;
}

export interface Bridge {
  name: string;
  subnet: string;
  gateway: string;
}

/** The first address of an IPv4 CIDR ("10.244.1.0/24" -> "10.244.1.1"), checked. Pure. */
export function gatewayOf(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m?.slice(1, 5).map(Number) ?? [];
  const bits = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`pod CIDR must be an IPv4 CIDR of /8 to /30, got "${cidr}"`);
  const value = octets.reduce((a, o) => a * 256 + o, 0);
  const network = value - (value % 2 ** (32 - bits));
  if (network !== value) throw new Error(`pod CIDR "${cidr}" has host bits set (the network is ${toDotted(network)}/${bits})`);
  return toDotted(network + 1);
}

/** A CIDR flag's value, checked (the flag's message on error). */
export function checkCIDR(cidr: string): string {
  gatewayOf(cidr);
  return cidr;
}

const toDotted = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");

/**
 * Creates the bridge, or checks the one that exists: its subnet must be the pod CIDR (a node whose
 * CIDR changed must not silently hand out addresses of another node's range).
 */
export async function ensureBridge(docker: Docker, spec: BridgeSpec): Promise<Bridge> {
  const gateway = gatewayOf(spec.subnet);
  const existing = await inspect(docker, spec.name);
  if (existing) {
    const config = existing.IPAM?.Config?.[0];
    if (config?.Subnet !== spec.subnet) {
      throw new Error(`Docker network "${spec.name}" has subnet ${config?.Subnet ?? "(none)"}, but the node's pod CIDR is ${spec.subnet}: remove the network (docker network rm ${spec.name}) or give the agent its old --pod-cidr`);
    }
    return { name: spec.name, subnet: spec.subnet, gateway: config.Gateway ?? gateway };
  }
  try {
    await docker.createNetwork({
      Name: spec.name,
      Driver: "bridge",
      CheckDuplicate: true,
      IPAM: { Driver: "default", Config: [{ Subnet: spec.subnet, Gateway: gateway }] },
      Options: { "com.docker.network.bridge.enable_ip_masquerade": String(spec.masquerade) },
      Labels: { [LABEL_NODE]: spec.node, [MANAGED_LABEL]: "true" },
    });
  } catch (err) {
    throw new Error(`creating Docker network "${spec.name}" on ${spec.subnet}: ${(err as Error).message}`);
  }
  return { name: spec.name, subnet: spec.subnet, gateway };
}

async function inspect(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  return docker
    .getNetwork(name)
    .inspect()
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) return undefined;
      throw err;
    });
}

/** Removes the pod bridges of a node (after its containers are gone); their names. */
export async function removeBridges(docker: Docker, node: string): Promise<string[]> {
  const nets = await docker.listNetworks({ filters: { label: [`${LABEL_NODE}=${node}`, `${MANAGED_LABEL}=true`] } });
  for (const n of nets) await docker.getNetwork(n.Id).remove();
  return nets.map((n) => n.Name);
}
