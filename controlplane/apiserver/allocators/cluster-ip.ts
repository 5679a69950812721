// Service cluster IPs from 10.96.0.0/16 (Kubernetes' default --service-cluster-ip-range is
// 10.96.0.0/12; 10.96.0.1 is kept for the kubernetes Service).
export const KUBERNETES_SERVICE_IP = "10.96.0.1";

/** A random address of the range that `used` does not hold. */
export function pickClusterIP(used: ReadonlySet<string | undefined>, random: () => number = Math.random): string {
  let ip: string;
  do {
    const n = 1 + Math.floor(random() * 65000);
    ip = `10.96.${n >> 8}.${n & 255}`;
  } while (used.has(ip) || ip.endsWith(".0") || ip === KUBERNETES_SERVICE_IP);
  return ip;
}
