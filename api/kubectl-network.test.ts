// The network kinds as the real kubectl sees them through a running kubelab server: discovery,
// explain from /openapi/v3, server-side tables, validation errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "../test/fixtures/kubectl";
import { startTestServer, type TestServer } from "../test/fixtures/server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-x7k2p
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 80
endpoints:
- addresses: ["10.244.1.5"]
  conditions: {ready: true}
  nodeName: worker1
- addresses: ["10.244.2.7"]
  conditions: {ready: false}
`;

describe("EndpointSlice through kubectl", () => {
  it("is discovered in discovery.k8s.io/v1", async () => {
    const out = await kubectl.ok(["api-resources", "--api-group", "discovery.k8s.io"]);
    expect(out).toMatch(/^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
  });

  it("explains endpointslice.endpoints", async () => {
    const out = await kubectl.ok(["explain", "endpointslice.endpoints"]);
    expect(out).toContain("GROUP:      discovery.k8s.io");
    expect(out).toContain("FIELD: endpoints <[]Endpoint>");
    expect(out).toMatch(/conditions\s+<EndpointConditions>/);
    expect(out).toMatch(/addresses\s+<\[\]string> -required-/);
  });

  it("creates a slice with defaulted ports and prints kubectl's columns", async () => {
    await kubectl.ok(["create", "-f", "-"], slice);
    const got = JSON.parse(await kubectl.ok(["get", "endpointslice", "web-x7k2p", "-o", "json"]));
    expect(got.ports).toEqual([{ name: "http", port: 80, protocol: "TCP" }]);
    const [header, row] = (await kubectl.ok(["get", "endpointslices"])).trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    expect(row).toMatch(/^web-x7k2p\s+IPv4\s+80\s+10\.244\.1\.5,10\.244\.2\.7\s+\d+s$/);
    expect(await kubectl.ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name"])).toBe("endpointslice.discovery.k8s.io/web-x7k2p\n");
  });

  it("refuses a bad address type and a bad address with the field named, storing nothing", async () => {
    const bad = slice.replace("web-x7k2p", "bad").replace("addressType: IPv4", "addressType: IP").replace("10.244.2.7", "not-an-ip");
    const r = await kubectl.run(["create", "-f", "-"], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The EndpointSlice "bad" is invalid');
    expect(r.stderr).toContain('addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"');
    const r2 = await kubectl.run(["create", "-f", "-"], slice.replace("web-x7k2p", "bad2").replace("10.244.2.7", "not-an-ip"));
    expect(r2.stderr).toContain('endpoints[1].addresses[0]: Invalid value: "not-an-ip": must be a valid IPv4 address');
    expect((await kubectl.run(["get", "endpointslice", "bad"])).code).not.toBe(0);
  });
});
