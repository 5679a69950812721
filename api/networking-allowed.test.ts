import { describe, expect, it } from "vitest";
import type { Namespace, Pod } from "./core";
import type { NetworkPolicy, NetworkPolicySpec } from "./networking";
import { isTrafficAllowed, type PolicyWorld, type TrafficEnd } from "./networking-allowed";

const pod = (name: string, ns: string, ip: string, labels: Record<string, string>, ports: Array<{ name: string; containerPort: number; protocol?: string }> = []): TrafficEnd => ({
  ip,
  pod: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: "c", image: "x", ports }] } } as unknown as Pod,
});
const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }) as unknown as Namespace;
const policy = (namespace: string, spec: NetworkPolicySpec): NetworkPolicy => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: `p${Math.random()}`, namespace }, spec });

const frontend = pod("frontend", "shop", "10.244.1.10", { app: "frontend" });
const backend = pod("backend", "shop", "10.244.2.20", { app: "backend" }, [{ name: "http", containerPort: 8000 }, { name: "dns", containerPort: 53, protocol: "UDP" }]);
const other = pod("other", "shop", "10.244.1.11", { app: "other" });
const monitor = pod("prom", "monitoring", "10.244.3.30", { app: "prometheus" });
const stranger = pod("curl", "sandbox", "10.244.3.31", { app: "frontend" });
const outside: TrafficEnd = { ip: "203.0.113.70" };
const namespaces = [ns("shop", { team: "shop" }), ns("monitoring", { team: "ops" }), ns("sandbox")];

const denyAllIngress = policy("shop", { podSelector: {}, policyTypes: ["Ingress"] });
const denyAllEgress = policy("shop", { podSelector: {}, policyTypes: ["Egress"] });
const backendFromFrontend = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }], ports: [{ port: 8000 }] }] });
const backendFromOps = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }] });
const backendFromOpsPrometheus = policy("shop", {
  podSelector: { matchLabels: { app: "backend" } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } }, podSelector: { matchLabels: { app: "grafana" } } }] }],
});
const backendFromSandboxByName = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "sandbox" } } }] }] });
const backendFromInternet = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24", except: ["203.0.113.0/29"] } }] }] });
const backendPortRange = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ ports: [{ port: 7000, endPort: 8080 }] }] });
const backendNamedPort = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ ports: [{ port: "http" }] }] });
const backendUdpOnly = policy("shop", { podSelector: { matchLabels: { app: "backend" } }, ingress: [{ ports: [{ protocol: "UDP" }] }] });
const frontendEgressToBackend = policy("shop", { podSelector: { matchLabels: { app: "frontend" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "backend" } } }] }] });
const egressDns = policy("shop", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] });
const allowAllIngress = policy("shop", { podSelector: {}, ingress: [{}] });

type Case = [name: string, policies: NetworkPolicy[], from: TrafficEnd, to: TrafficEnd, port: number, protocol: string, allowed: boolean];
const cases: Case[] = [
  ["no policy: everything is allowed", [], frontend, backend, 8000, "TCP", true],
  ["default-deny ingress isolates every pod of the namespace", [denyAllIngress], frontend, backend, 8000, "TCP", false],
  ["default-deny ingress does not touch other namespaces", [denyAllIngress], frontend, monitor, 9090, "TCP", true],
  ["default-deny ingress leaves egress open", [denyAllIngress], backend, monitor, 9090, "TCP", true],
  ["allow by pod label, on the port", [denyAllIngress, backendFromFrontend], frontend, backend, 8000, "TCP", true],
  ["allow by pod label, another port", [denyAllIngress, backendFromFrontend], frontend, backend, 9000, "TCP", false],
  ["allow by pod label, another pod", [denyAllIngress, backendFromFrontend], other, backend, 8000, "TCP", false],
  ["a podSelector alone means the policy's namespace", [backendFromFrontend], stranger, backend, 8000, "TCP", false],
  ["rules of several policies add up (union)", [backendFromFrontend, backendFromOps], monitor, backend, 8000, "TCP", true],
  ["namespace selector admits every pod there", [backendFromOps], monitor, backend, 1234, "TCP", true],
  ["namespace selector refuses other namespaces", [backendFromOps], stranger, backend, 8000, "TCP", false],
  ["namespace and pod selector together: both must match", [backendFromOpsPrometheus], monitor, backend, 8000, "TCP", false],
  ["kubernetes.io/metadata.name selects a namespace by name", [backendFromSandboxByName], stranger, backend, 8000, "TCP", true],
  ["ipBlock admits an outside address in the cidr", [backendFromInternet], outside, backend, 8000, "TCP", true],
  ["ipBlock except carves addresses out", [backendFromInternet], { ip: "203.0.113.3" }, backend, 8000, "TCP", false],
  ["ipBlock does not admit a pod outside it", [backendFromInternet], frontend, backend, 8000, "TCP", false],
  ["port range includes its ends", [backendPortRange], frontend, backend, 8080, "TCP", true],
  ["port range excludes past endPort", [backendPortRange], frontend, backend, 8081, "TCP", false],
  ["named port resolves on the destination pod", [backendNamedPort], frontend, backend, 8000, "TCP", true],
  ["named port: another number is not it", [backendNamedPort], frontend, backend, 8001, "TCP", false],
  ["protocol must match (TCP is the default)", [backendUdpOnly], frontend, backend, 53, "TCP", false],
  ["a port without a number matches every port of its protocol", [backendUdpOnly], frontend, backend, 53, "UDP", true],
  ["egress isolation: allowed destination", [frontendEgressToBackend], frontend, backend, 8000, "TCP", true],
  ["egress isolation: other destinations denied", [frontendEgressToBackend], frontend, monitor, 9090, "TCP", false],
  ["egress isolation: the world outside denied", [frontendEgressToBackend], frontend, outside, 443, "TCP", false],
  ["egress deny with DNS allowed: DNS goes out", [denyAllEgress, egressDns], frontend, { ip: "10.96.0.10" }, 53, "UDP", true],
  ["egress deny with DNS allowed: the rest does not", [denyAllEgress, egressDns], frontend, { ip: "10.96.0.10" }, 80, "TCP", false],
  ["both ends must allow: egress allows, ingress denies", [frontendEgressToBackend, denyAllIngress], frontend, backend, 8000, "TCP", false],
  ["an empty rule allows all sources and ports", [denyAllIngress, allowAllIngress], stranger, backend, 1, "TCP", true],
];

describe("isTrafficAllowed (NetworkPolicy semantics of the Kubernetes documentation)", () => {
  it.each(cases)("%s", (_name, policies, from, to, port, protocol, allowed) => {
    const world: PolicyWorld = { policies, namespaces };
    expect(isTrafficAllowed(world, { from, to, port, protocol }).allowed).toBe(allowed);
  });

  it("says which direction decided", () => {
    const world: PolicyWorld = { policies: [frontendEgressToBackend, denyAllIngress], namespaces };
    expect(isTrafficAllowed(world, { from: frontend, to: backend, port: 8000 })).toEqual({ allowed: false, egress: "allowed", ingress: "denied" });
    expect(isTrafficAllowed({ policies: [], namespaces }, { from: outside, to: backend, port: 1 })).toEqual({ allowed: true, egress: "not-isolated", ingress: "not-isolated" });
  });
});
