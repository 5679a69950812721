import { describe, expect, it } from "vitest";
import type { Pod, Service } from "../../api/core";
import { serviceEnvForPod, serviceEnvVars, withServiceEnv } from "./service-env";

function svc(namespace: string, name: string, spec: Partial<Service["spec"]>): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec: { type: "ClusterIP", ...spec } };
}
function pod(namespace: string, enableServiceLinks?: boolean): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { namespace, name: "p" }, spec: { containers: [{ name: "c", image: "i" }], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) } } as Pod;
}

const redis = svc("shop", "redis-primary", { clusterIP: "10.0.0.11", ports: [{ port: 6379, protocol: "TCP" }] });
const kubernetes = svc("default", "kubernetes", { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] });

describe("Service environment variables", () => {
  it("are the Kubernetes docs' example for redis-primary", () => {
    expect(Object.fromEntries(serviceEnvVars(redis).map((v) => [v.name, v.value]))).toEqual({
      REDIS_PRIMARY_SERVICE_HOST: "10.0.0.11",
      REDIS_PRIMARY_SERVICE_PORT: "6379",
      REDIS_PRIMARY_PORT: "tcp://10.0.0.11:6379",
      REDIS_PRIMARY_PORT_6379_TCP: "tcp://10.0.0.11:6379",
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: "tcp",
      REDIS_PRIMARY_PORT_6379_TCP_PORT: "6379",
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: "10.0.0.11",
    });
  });

  it("name every named port, and give the first port the plain _SERVICE_PORT and _PORT", () => {
    const s = svc("shop", "web", { clusterIP: "10.0.0.12", ports: [{ name: "http", port: 80 }, { name: "dns-udp", port: 53, protocol: "UDP" }] });
    const env = Object.fromEntries(serviceEnvVars(s).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({ WEB_SERVICE_PORT: "80", WEB_SERVICE_PORT_HTTP: "80", WEB_SERVICE_PORT_DNS_UDP: "53", WEB_PORT: "tcp://10.0.0.12:80", WEB_PORT_53_UDP: "udp://10.0.0.12:53", WEB_PORT_53_UDP_PROTO: "udp" });
  });

  it("come from the pod's namespace plus default's kubernetes Service, not from other namespaces", () => {
    const env = serviceEnvForPod(pod("shop"), [redis, kubernetes, svc("other", "db", { clusterIP: "10.0.0.13", ports: [{ port: 5432 }] }), svc("default", "web", { clusterIP: "10.0.0.14", ports: [{ port: 80 }] })]);
    expect(env.get("REDIS_PRIMARY_SERVICE_HOST")).toBe("10.0.0.11");
    expect(env.get("KUBERNETES_SERVICE_HOST")).toBe("10.96.0.1");
    expect(env.get("KUBERNETES_SERVICE_PORT_HTTPS")).toBe("443");
    expect(env.has("DB_SERVICE_HOST")).toBe(false);
    expect(env.has("WEB_SERVICE_HOST")).toBe(false);
  });

  it("leave out headless, ExternalName and unallocated Services", () => {
    const env = serviceEnvForPod(pod("shop"), [
      svc("shop", "headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("shop", "ext", { type: "ExternalName", externalName: "example.com" }),
      svc("shop", "pending", { ports: [{ port: 80 }] }),
    ]);
    expect([...env.keys()]).toEqual([]);
  });

  it("with enableServiceLinks false, are only the kubernetes Service's", () => {
    expect([...serviceEnvForPod(pod("shop", false), [redis, kubernetes]).keys()].every((k) => k.startsWith("KUBERNETES_"))).toBe(true);
    expect(serviceEnvForPod(pod("shop", false), [redis, kubernetes]).size).toBe(8); // HOST, PORT, PORT_HTTPS and the five link variables
  });

  it("prefer a kubernetes Service of the pod's own namespace over default's", () => {
    const own = svc("shop", "kubernetes", { clusterIP: "10.0.0.99", ports: [{ port: 80 }] });
    expect(serviceEnvForPod(pod("shop"), [kubernetes, own]).get("KUBERNETES_SERVICE_HOST")).toBe("10.0.0.99");
    expect(serviceEnvForPod(pod("shop"), [own, kubernetes]).get("KUBERNETES_SERVICE_HOST")).toBe("10.0.0.99");
  });

  it("never override a variable the container sets itself", () => {
    const env = withServiceEnv([{ name: "REDIS_PRIMARY_SERVICE_HOST", value: "mine" }], serviceEnvForPod(pod("shop"), [redis]));
    expect(env.filter((e) => e.name === "REDIS_PRIMARY_SERVICE_HOST")).toEqual([{ name: "REDIS_PRIMARY_SERVICE_HOST", value: "mine" }]);
    expect(env.find((e) => e.name === "REDIS_PRIMARY_SERVICE_PORT")?.value).toBe("6379");
  });

  it("bracket an IPv6 ClusterIP in the URLs", () => {
    const env = Object.fromEntries(serviceEnvVars(svc("shop", "v6", { clusterIP: "fd00::1", ports: [{ port: 80 }] })).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({ V6_SERVICE_HOST: "fd00::1", V6_PORT: "tcp://[fd00::1]:80", V6_PORT_80_TCP_ADDR: "fd00::1" });
  });
});
