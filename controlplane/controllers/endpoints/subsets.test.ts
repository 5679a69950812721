import { describe, expect, it } from "vitest";
import type { Pod, Service } from "../../../api/core";
import { computeSubsets } from "./subsets";

const svc = { metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] } } as unknown as Service;
const pod = (name: string, ip: string | undefined, ready: boolean, portName = "http"): Pod =>
  ({
    metadata: { name, namespace: "default", uid: `u-${name}`, labels: { app: "web" } },
    spec: { nodeName: "w1", containers: [{ name: "c", image: "nginx", ports: [{ name: portName, containerPort: 8080, protocol: "TCP" }] }] },
    status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  }) as unknown as Pod;

describe("endpoints of a service", () => {
  it("lists ready pods as addresses and others as notReadyAddresses, with the named port resolved", () => {
    const subsets = computeSubsets(svc, [pod("b", "10.244.0.3", true), pod("a", "10.244.0.2", false), pod("c", undefined, true)]);
    expect(subsets).toEqual([
      {
        addresses: [{ ip: "10.244.0.3", nodeName: "w1", targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "u-b" } }],
        notReadyAddresses: [{ ip: "10.244.0.2", nodeName: "w1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "u-a" } }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });
  it("leaves out pods without the named port", () => {
    expect(computeSubsets(svc, [pod("x", "10.244.0.9", true, "metrics")])).toEqual([]);
  });
  it("sets the hostname of pods whose subdomain is the Service, and publishes not-ready pods under publishNotReadyAddresses", () => {
    const named = pod("db-0", "10.244.0.5", false);
    named.spec.hostname = "db-0";
    named.spec.subdomain = "web";
    const elsewhere = pod("x", "10.244.0.6", true);
    elsewhere.spec.hostname = "x";
    elsewhere.spec.subdomain = "other";
    const publish = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } } as Service;
    const [subset] = computeSubsets(publish, [named, elsewhere]);
    expect(subset!.notReadyAddresses).toBeUndefined();
    expect(subset!.addresses!.map((a) => [a.ip, a.hostname])).toEqual([["10.244.0.5", "db-0"], ["10.244.0.6", undefined]]);
    expect(computeSubsets(svc, [named])[0]!.notReadyAddresses![0]!.hostname).toBe("db-0");
  });
});
