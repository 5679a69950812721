import { describe, expect, it } from "vitest";
import { findResource, networkpolicies } from "./index";
import type { NetworkPolicy } from "./networking";
import { printTable } from "./printers";

const policy = (spec: Record<string, unknown>) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "db", namespace: "default" }, spec });
const fields = (spec: Record<string, unknown>) => networkpolicies.validate(policy(spec), "Strict").errors.map((e) => `${e.field}: ${e.message}`);

describe("NetworkPolicy (networking.k8s.io/v1)", () => {
  it("is served in networking.k8s.io/v1 as netpol", () => {
    expect(findResource("networking.k8s.io", "v1", "networkpolicies")?.shortNames).toEqual(["netpol"]);
  });

  it("defaults policyTypes to Ingress, plus Egress when there are egress rules, and ports to TCP", () => {
    const ingressOnly = networkpolicies.validate(policy({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }), "Strict").object as NetworkPolicy;
    expect(ingressOnly.spec?.policyTypes).toEqual(["Ingress"]);
    expect(ingressOnly.spec?.ingress?.[0]?.ports).toEqual([{ port: 80, protocol: "TCP" }]);
    const both = networkpolicies.validate(policy({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }), "Strict").object as NetworkPolicy;
    expect(both.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    const given = networkpolicies.validate(policy({ podSelector: {}, policyTypes: ["Egress"] }), "Strict").object as NetworkPolicy;
    expect(given.spec?.policyTypes).toEqual(["Egress"]);
  });

  it("checks endPort: not without port, not after a named port, not below port", () => {
    expect(fields({ podSelector: {}, ingress: [{ ports: [{ endPort: 90 }, { port: "http", endPort: 90 }, { port: 100, endPort: 90 }, { port: 80, endPort: 90 }] }] })).toEqual([
      "spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified",
      "spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
      "spec.ingress[0].ports[2].endPort: Invalid value: 100: must be greater than or equal to `port`",
    ]);
  });

  it("checks ports' protocol, number and name", () => {
    expect(fields({ podSelector: {}, egress: [{ ports: [{ protocol: "ICMP" }, { port: 70000 }, { port: "Not_A_Name" }] }] })).toEqual([
      'spec.egress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      "spec.egress[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
      expect.stringMatching(/^spec\.egress\[0\]\.ports\[2\]\.port: Invalid value: "Not_A_Name": must contain only alpha-numeric/),
    ]);
  });

  it("wants a peer, forbids ipBlock beside another peer, and keeps except strictly inside cidr", () => {
    const from = [
      {},
      { ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} },
      { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16", "192.168.0.0/16", "10.0.0.0/8", "nope"] } },
      { ipBlock: { cidr: "10.0.0.0" } },
      { namespaceSelector: { matchExpressions: [{ key: "team", operator: "In" }] } },
    ];
    expect(fields({ podSelector: {}, ingress: [{ from }] })).toEqual([
      "spec.ingress[0].from[0]: Required value: must specify a peer",
      "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
      'spec.ingress[0].from[2].ipBlock.except[1]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
      'spec.ingress[0].from[2].ipBlock.except[2]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      'spec.ingress[0].from[2].ipBlock.except[3]: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.ingress[0].from[3].ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      "spec.ingress[0].from[4].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
  });

  it("accepts only Ingress and Egress as policy types", () => {
    expect(fields({ podSelector: {}, policyTypes: ["Ingress", "Sideways"] })).toEqual(['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']);
  });

  it("prints NAME, POD-SELECTOR, AGE", () => {
    const a = networkpolicies.validate(policy({ podSelector: { matchLabels: { role: "db" } } }), "Strict").object!;
    const b = networkpolicies.validate(policy({ podSelector: {} }), "Strict").object!;
    const table = printTable(networkpolicies, [a, b], { now: new Date() });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Pod-Selector", "Age"]);
    expect(table.rows.map((r) => r.cells[1])).toEqual(["role=db", "<none>"]);
  });
});
