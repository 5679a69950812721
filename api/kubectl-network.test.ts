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
    // The list also holds the API server's own `kubernetes` slice: pick the row by name.
    const [header, ...rows] = (await kubectl.ok(["get", "endpointslices"])).trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    expect(rows.find((r) => r.startsWith("web-x7k2p "))).toMatch(/^web-x7k2p\s+IPv4\s+80\s+10\.244\.1\.5,10\.244\.2\.7\s+\d+s$/);
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

const netpol = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
spec:
  podSelector:
    matchLabels:
      role: db
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - port: 5978
      endPort: 6000
`;

describe("NetworkPolicy through kubectl", () => {
  it("explains networkpolicy.spec.ingress.from", async () => {
    const out = await kubectl.ok(["explain", "networkpolicy.spec.ingress.from"]);
    expect(out).toContain("GROUP:      networking.k8s.io");
    expect(out).toContain("FIELD: from <[]NetworkPolicyPeer>");
    expect(out).toMatch(/ipBlock\s+<IPBlock>/);
  });

  it("creates the documentation's policy with policyTypes defaulted and describes it as Kubernetes does", async () => {
    await kubectl.ok(["create", "-f", "-"], netpol);
    const got = JSON.parse(await kubectl.ok(["get", "netpol", "test-network-policy", "-o", "json"]));
    expect(got.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(got.spec.egress[0].ports).toEqual([{ port: 5978, endPort: 6000, protocol: "TCP" }]);
    const [header, row] = (await kubectl.ok(["get", "networkpolicies"])).trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "POD-SELECTOR", "AGE"]);
    expect(row).toMatch(/^test-network-policy\s+role=db\s+\d+s$/);

    const out = await kubectl.ok(["describe", "networkpolicy", "test-network-policy"]);
    expect(out).toMatch(/^Name:\s+test-network-policy$/m);
    expect(out).toMatch(/^  PodSelector:\s+role=db$/m);
    expect(out).toContain("  Allowing ingress traffic:\n    To Port: 6379/TCP\n    From:\n      IPBlock:\n        CIDR: 172.17.0.0/16\n        Except: 172.17.1.0/24");
    expect(out).toMatch(/From:\n\s+NamespaceSelector: project=myproject/);
    expect(out).toMatch(/From:\n\s+PodSelector: role=frontend/);
    expect(out).toContain("  Allowing egress traffic:\n    To Port Range: 5978-6000/TCP\n    To:\n      IPBlock:\n        CIDR: 10.0.0.0/24");
    expect(out).toMatch(/^  Policy Types: Ingress, Egress$/m);
  });

  it("refuses an except outside the cidr and an endPort below port, with the fields named", async () => {
    const bad = netpol.replace("test-network-policy", "bad").replace("172.17.1.0/24", "192.168.0.0/24").replace("endPort: 6000", "endPort: 5000");
    const r = await kubectl.run(["create", "-f", "-"], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/24": must be a strict subset of `cidr`');
    expect(r.stderr).toContain("spec.egress[0].ports[0].endPort: Invalid value: 5978: must be greater than or equal to `port`");
    expect((await kubectl.run(["get", "netpol", "bad"])).code).not.toBe(0);
  });
});
