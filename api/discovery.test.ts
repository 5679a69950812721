import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "./discovery";
import { endpointslices, findResource } from "./index";
import { printTable } from "./printers";

const slice = (over: Partial<EndpointSlice> = {}): EndpointSlice => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "web-abc12", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "worker1" }],
  ports: [{ name: "http", port: 80 }],
  ...over,
});
const fields = (obj: unknown) => endpointslices.validate(obj, "Strict").errors.map((e) => `${e.field}: ${e.message}`);

describe("EndpointSlice (discovery.k8s.io/v1)", () => {
  it("is served in discovery.k8s.io/v1 and defaults each port's protocol to TCP and name to \"\"", () => {
    expect(findResource("discovery.k8s.io", "v1", "endpointslices")?.kind).toBe("EndpointSlice");
    const r = endpointslices.validate({ ...slice(), ports: [{ port: 80 }] }, "Strict");
    expect(r.errors).toEqual([]);
    expect((r.object as EndpointSlice).ports).toEqual([{ name: "", protocol: "TCP", port: 80 }]);
  });

  it("requires a supported addressType", () => {
    expect(fields({ ...slice(), addressType: "IP" })).toEqual(['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
    expect(fields({ ...slice(), addressType: "" })).toEqual(["addressType: Required value"]);
  });

  it("checks each address against the slice's address type", () => {
    const eps = [{ addresses: ["fd00::1"] }, { addresses: ["999.1.1.1"] }, { addresses: [] }, { addresses: ["169.254.1.1"] }];
    expect(fields(slice({ endpoints: eps }))).toEqual([
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'endpoints[1].addresses[0]: Invalid value: "999.1.1.1": must be a valid IPv4 address',
      "endpoints[2].addresses: Required value: must contain at least 1 address",
      'endpoints[3].addresses[0]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]);
    expect(fields(slice({ addressType: "IPv6", endpoints: [{ addresses: ["fd00::1"] }] }))).toEqual([]);
    expect(fields(slice({ addressType: "FQDN", endpoints: [{ addresses: ["db.example.com"] }, { addresses: ["localhost"] }] }))).toEqual([
      'endpoints[1].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
    ]);
  });

  it("checks hostname as a DNS label and nodeName as a subdomain", () => {
    expect(fields(slice({ endpoints: [{ addresses: ["10.0.0.1"], hostname: "Web_0", nodeName: "Worker1" }] }))).toEqual([
      expect.stringMatching(/^endpoints\[0\]\.hostname: Invalid value: "Web_0": a lowercase RFC 1123 label/),
      expect.stringMatching(/^endpoints\[0\]\.nodeName: Invalid value: "Worker1": a lowercase RFC 1123 subdomain/),
    ]);
  });

  it("allows at most 1000 endpoints and 100 ports", () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`] }));
    expect(fields(slice({ endpoints: many }))).toEqual(["endpoints: Too many: 1001: must have at most 1000 items"]);
    expect(fields(slice({ endpoints: many.slice(0, 1000) }))).toEqual([]);
    const ports = Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }));
    expect(fields(slice({ ports }))).toEqual(["ports: Too many: 101: must have at most 100 items"]);
  });

  it("wants unique port names, a known protocol and a qualified appProtocol", () => {
    const ports = [{ name: "http", port: 80 }, { name: "http", port: 81 }, { name: "dns", port: 53, protocol: "ICMP" }, { name: "x", appProtocol: "a b" }];
    expect(fields(slice({ ports }))).toEqual([
      'ports[1].name: Duplicate value: "http"',
      'ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      expect.stringMatching(/^ports\[3\]\.appProtocol: Invalid value: "a b": name part must consist of/),
    ]);
  });

  it("rejects unknown fields and keeps addressType immutable", () => {
    expect(fields({ ...slice(), endpoints: [{ addresses: ["10.0.0.1"], conditions: { live: true } }] })).toEqual(['endpoints[0].conditions.live: unknown field "endpoints[0].conditions.live"']);
    const old = endpointslices.validate(slice(), "Strict").object!;
    const changed = endpointslices.validate(slice({ addressType: "IPv6", endpoints: [] }), "Strict").object!;
    expect(endpointslices.validateUpdate(changed, old).map((e) => e.message)).toEqual(['Invalid value: "IPv6": field is immutable']);
  });

  it("prints NAME, ADDRESSTYPE, PORTS, ENDPOINTS, AGE as kubectl shows them", () => {
    const four = slice({ endpoints: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((a) => ({ addresses: [a] })), ports: [{ port: 80 }, { port: 443 }] });
    const empty = slice({ endpoints: [], ports: [] });
    const table = printTable(endpointslices, [four, empty], { now: new Date() });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "AddressType", "Ports", "Endpoints", "Age"]);
    expect(table.rows[0]!.cells.slice(0, 4)).toEqual(["web-abc12", "IPv4", "80,443", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..."]);
    expect(table.rows[1]!.cells.slice(1, 4)).toEqual(["IPv4", "<unset>", "<unset>"]);
  });
});
