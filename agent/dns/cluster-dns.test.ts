// The cluster DNS kept by real informers from a real API server (`kubelab server`, controllers off
// so the test writes Endpoints itself), asked by c-ares: creates, updates and deletes show up.
import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoints, Pod, Service } from "../../api/core";
import { RestClient, type ApiClient, endpoints as endpointsRes, pods as podsRes, services as servicesRes } from "../../client";
import { SharedInformers } from "../../client/informer-factory";
import { startTestServer, type TestServer } from "../../test/fixtures/server";
import { eventually } from "../../test/fixtures/wait";
import { startClusterDns, type ClusterDns } from "./index";
import { endpoints, pod, service, startFakeUpstream, type FakeUpstream } from "./testing";

let server: TestServer;
let client: ApiClient;
let dns: ClusterDns;
let upstream: FakeUpstream;
const ctl = new AbortController();
const ns = "default";
let resolver: Resolver;

beforeAll(async () => {
  server = await startTestServer({ secure: true, args: ["--disable-controllers", "all"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  upstream = await startFakeUpstream({ "example.com": ["192.0.2.1"] });
  // The DNS reads as the node it serves (system:node:<name>), as on a worker.
  const informers = new SharedInformers(RestClient.fromKubeconfig(server.pki!.nodeKubeconfig("dns-node")));
  dns = await startClusterDns({
    services: informers.services(),
    endpoints: informers.endpoints(),
    pods: informers.pods(),
    listen: [{ address: "127.0.0.1", port: 0 }],
    upstream: [{ address: "127.0.0.1", port: upstream.port }],
  });
  informers.start(ctl.signal);
  await informers.waitForSync(ctl.signal);
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.addresses()[0]!.port}`]);
});
afterAll(async () => {
  ctl.abort();
  await dns?.close();
  await upstream?.close();
  await server?.stop();
});

const a = (name: string) => resolver.resolve4(name).then((ips) => ips.sort(), (err: NodeJS.ErrnoException) => err.code ?? "error");

describe("cluster DNS fed by informers from a real API server", () => {
  it("answers a created Service with the ClusterIP the server allocated, and NXDOMAIN once it is deleted", async () => {
    const created = await client.create<Service>(servicesRes, ns, service(ns, "web", { ports: [{ name: "http", port: 80 }] }));
    const ip = created.spec.clusterIP!;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await eventually(async () => JSON.stringify(await a("web.default.svc.cluster.local")) === JSON.stringify([ip]), 10_000, "web's A record");
    expect(await resolver.resolveSrv("_http._tcp.web.default.svc.cluster.local")).toMatchObject([{ port: 80, name: "web.default.svc.cluster.local" }]);
    await client.delete(servicesRes, ns, "web");
    await eventually(async () => (await a("web.default.svc.cluster.local")) === "ENOTFOUND", 10_000, "web gone");
  });

  it("answers a headless Service with its ready endpoints as they change, and a pod's hostname.subdomain", async () => {
    await client.create<Pod>(podsRes, ns, pod(ns, "db-0", { hostname: "db-0", subdomain: "db" }));
    await client.create<Service>(servicesRes, ns, service(ns, "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }));
    const ep = endpoints(ns, "db", [{ ip: "10.244.1.10", pod: "db-0" }, { ip: "10.244.1.11" }], [], [{ name: "pg", port: 5432, protocol: "TCP" }]);
    await client.create<Endpoints>(endpointsRes, ns, ep);
    await eventually(async () => JSON.stringify(await a("db.default.svc.cluster.local")) === JSON.stringify(["10.244.1.10", "10.244.1.11"]), 10_000, "db's endpoints");
    expect(await a("db-0.db.default.svc.cluster.local")).toEqual(["10.244.1.10"]);
    expect((await resolver.resolveSrv("_pg._tcp.db.default.svc.cluster.local")).map((s) => s.name).sort()).toEqual(["10-244-1-11.db.default.svc.cluster.local", "db-0.db.default.svc.cluster.local"]);

    // db-0 becomes not ready: it leaves the answers.
    const current = await client.get<Endpoints>(endpointsRes, ns, "db");
    await client.update<Endpoints>(endpointsRes, ns, { ...current, subsets: [{ addresses: [{ ip: "10.244.1.11" }], notReadyAddresses: [{ ip: "10.244.1.10" }], ports: [{ name: "pg", port: 5432, protocol: "TCP" }] }] });
    await eventually(async () => JSON.stringify(await a("db.default.svc.cluster.local")) === JSON.stringify(["10.244.1.11"]), 10_000, "db-0 out");
    expect(await a("db-0.db.default.svc.cluster.local")).toBe("ENOTFOUND");
  });

  it("answers an ExternalName Service with a CNAME and forwards the rest upstream", async () => {
    await client.create<Service>(servicesRes, ns, service(ns, "ext", { type: "ExternalName", externalName: "example.com" }));
    await eventually(async () => (await resolver.resolveCname("ext.default.svc.cluster.local").catch(() => []))[0] === "example.com", 10_000, "ext's CNAME");
    expect(await a("ext.default.svc.cluster.local")).toEqual(["192.0.2.1"]);
    expect(await a("example.com")).toEqual(["192.0.2.1"]);
  });
});
