// The Service environment variables the kubelet gives every container (pkg/kubelet/kubelet_pods.go
// getServiceEnvVarMap and pkg/kubelet/envvars): for each Service of the pod's namespace when
// enableServiceLinks is true (the default), and always for the `kubernetes` Service of `default`:
//   <SVC>_SERVICE_HOST=<clusterIP>   <SVC>_SERVICE_PORT=<first port>   <SVC>_SERVICE_PORT_<NAME>=<port>
// and Docker links' variables per port: <SVC>_PORT=<proto>://<ip>:<first port>,
//   <SVC>_PORT_<port>_<PROTO>=<proto>://<ip>:<port> and its _PROTO, _PORT, _ADDR.
// Names are upper case with '-' as '_'. Services without a ClusterIP (headless, ExternalName, not
// yet allocated) give none. A variable the container sets itself wins. Pure.
import { isIP } from "node:net";
import type { EnvVar, Pod, Service } from "../../api/core";

const MASTER_NAMESPACE = "default";
const MASTER_SERVICES = new Set(["kubernetes"]);

const envName = (s: string) => s.toUpperCase().replace(/-/g, "_");

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  return Boolean(ip && ip !== "None" && isIP(ip));
}

/** The Services whose variables a pod gets, by name (its namespace's win over `default`'s kubernetes). */
export function servicesForPod(pod: Pod, services: Service[]): Service[] {
  const ns = pod.metadata.namespace ?? "default";
  const links = pod.spec.enableServiceLinks ?? true;
  const byName = new Map<string, Service>();
  for (const svc of services) {
    const name = svc.metadata.name ?? "";
    if (!hasClusterIP(svc)) continue;
    if (svc.metadata.namespace === MASTER_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svc.metadata.namespace === ns && links) {
      byName.set(name, svc);
    }
  }
  return [...byName.keys()].sort().map((k) => byName.get(k)!);
}

/** One Service's variables, in the kubelet's order. */
export function serviceEnvVars(svc: Service): Array<{ name: string; value: string }> {
  const ports = svc.spec.ports ?? [];
  const ip = svc.spec.clusterIP!;
  if (!hasClusterIP(svc) || ports.length === 0) return [];
  const prefix = envName(svc.metadata.name ?? "");
  const out = [
    { name: `${prefix}_SERVICE_HOST`, value: ip },
    { name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) },
  ];
  for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  const host = ip.includes(":") ? `[${ip}]` : ip;
  ports.forEach((p, i) => {
    const proto = (p.protocol || "TCP").toLowerCase();
    const url = `${proto}://${host}:${p.port}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
  });
  return out;
}

/** Every Service variable for the pod, as a map (later Services cannot clash: names differ). */
export function serviceEnvForPod(pod: Pod, services: Service[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const svc of servicesForPod(pod, services)) for (const v of serviceEnvVars(svc)) out.set(v.name, v.value);
  return out;
}

/**
 * The container's own env followed by the Service variables it does not set itself (the kubelet
 * appends them after the container's, so the container's win). The same map is what `$(VAR)`
 * references in the container's env may expand to.
 */
export function withServiceEnv(containerEnv: EnvVar[], serviceEnv: Map<string, string>): EnvVar[] {
  const own = new Set(containerEnv.map((e) => e.name));
  return [...containerEnv, ...[...serviceEnv].filter(([name]) => !own.has(name)).map(([name, value]) => ({ name, value }))];
}
