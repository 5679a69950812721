// What the kernel proxy needs of the host besides its table, as kube-proxy and the kubelet do it:
// route_localnet for a loopback node address (the lab's 127.0.0.N: a NodePort connection from
// the host to 127.0.0.N:port is DNATed to a pod, which the kernel routes only with it), and
// hairpin mode on the ports of the node's pod bridge (a pod reaching its own Service comes back
// out of the port it came in on). Both are idempotent and only write what is not yet so.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";

const ROUTE_LOCALNET = "/proc/sys/net/ipv4/conf/all/route_localnet";

/** Sets route_localnet when the node address is a loopback one; true when it is (now) on. */
export async function ensureRouteLocalnet(address: string): Promise<boolean> {
  if (!address.startsWith("127.")) return false;
  if ((await readFile(ROUTE_LOCALNET, "utf8")).trim() !== "1") await writeFile(ROUTE_LOCALNET, "1");
  return true;
}

/** The interface that has `address` (the pod bridge, found by its gateway address). */
export function interfaceWith(address: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) if (addrs?.some((a) => a.address === address)) return name;
  return undefined;
}

/** Hairpin mode on every port of the bridge that has `gateway`; returns how many it turned on. */
export async function ensureHairpin(gateway: string): Promise<number> {
  const bridge = interfaceWith(gateway);
  if (!bridge) return 0;
  const ports = await readdir(`/sys/class/net/${bridge}/brif`).catch(() => [] as string[]);
  let turned = 0;
  for (const port of ports) {
    const file = `/sys/class/net/${bridge}/brif/${port}/hairpin_mode`;
    const on = await readFile(file, "utf8").then((v) => v.trim() === "1", () => true);
    if (!on) {
      await writeFile(file, "1").catch(() => undefined); // a port that went away meanwhile
      turned++;
    }
  }
  return turned;
}
