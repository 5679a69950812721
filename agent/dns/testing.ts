// Object builders for the DNS tests (Services, Endpoints, Pods as the API server stores them).
import type { Endpoints, Pod, Service, ServicePort } from "../../api/core";

export function service(ns: string, name: string, spec: Partial<Service["spec"]> & { ports?: ServicePort[] }, annotations?: Record<string, string>): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) }, spec: { type: "ClusterIP", ...spec } };
}

export interface Addr {
  ip: string;
  hostname?: string;
  pod?: string;
}

export function endpoints(ns: string, name: string, ready: Addr[], notReady: Addr[] = [], ports: Array<{ name?: string; port: number; protocol?: string }> = []): Endpoints {
  const addr = (a: Addr) => ({
    ip: a.ip,
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.pod ? { targetRef: { kind: "Pod", namespace: ns, name: a.pod } } : {}),
  });
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { namespace: ns, name },
    subsets: [{ ...(ready.length ? { addresses: ready.map(addr) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(addr) } : {}), ...(ports.length ? { ports } : {}) }],
  };
}

export function pod(ns: string, name: string, spec: { hostname?: string; subdomain?: string; ip?: string } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: ns, name },
    spec: { containers: [{ name: "c", image: "kubelab/busybox" }], ...(spec.hostname ? { hostname: spec.hostname } : {}), ...(spec.subdomain ? { subdomain: spec.subdomain } : {}) },
    ...(spec.ip ? { status: { podIP: spec.ip } } : {}),
  } as Pod;
}
