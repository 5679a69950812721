// Removing what a node's pod network left on the host, for `lab down` (the agent itself never
// does: its pods keep running across agent restarts): the node's pod bridges, once their
// containers are gone (their connected routes go with them), its host rules, and its service
// proxy's nftables table.
import Docker from "dockerode";
import { teardownNodeTables } from "../netfilter/nft";
import { removeBridges } from "./bridge";
import { removeHostRules } from "./host-rules";

export interface RemovedPodNetwork {
  bridges: string[];
  rules: number;
  /** Service proxy tables (agent/netfilter) removed. */
  tables: number;
  /** What could not be removed (e.g. a bridge something outside the lab still uses), and why. */
  errors: string[];
}

/** Removes the bridges and host rules of these nodes, as much as it can; a host without Docker or iptables has none. */
export async function removePodNetworks(nodes: string[], docker: Docker = new Docker()): Promise<RemovedPodNetwork> {
  const out: RemovedPodNetwork = { bridges: [], rules: 0, tables: 0, errors: [] };
  const failed = (what: string) => (err: Error) => void out.errors.push(`${what}: ${err.message}`);
  for (const node of nodes) {
    await removeBridges(docker, node)
      .catch(noEngine<string[]>([]))
      .then((names) => out.bridges.push(...names), failed(`pod network of ${node}`));
    await removeHostRules(node)
      .catch(noEngine(0))
      .then((n) => (out.rules += n), failed(`host rules of ${node}`));
  }
  out.tables = await teardownNodeTables(nodes);
  return out;
}

/** ENOENT: no docker socket or no iptables binary, so nothing of ours can be there. */
function noEngine<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === "ENOENT") return value;
    throw err;
  };
}
