// The address this API server advertises in the kubernetes Service's endpoints (kube-apiserver's
// --advertise-address): the one given, else the listen host, else (listening on every address,
// 0.0.0.0 or ::) the host's first non-loopback IPv4 address, and loopback when it has none.
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export function advertiseAddress(
  listenHost: string,
  given?: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  if (given) return given;
  const host = listenHost.replace(/^\[|\]$/g, "");
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return host === "localhost" ? "127.0.0.1" : host;
  for (const addrs of Object.values(interfaces)) {
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  return "127.0.0.1";
}

/** "host:port" (or "[v6]:port") split; the port as a number. */
export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}
