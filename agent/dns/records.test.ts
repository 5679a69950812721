import type { Question, RecordType } from "dns-packet";
import { describe, expect, it } from "vitest";
import { fromCoreEndpoints } from "./endpoints";
import { buildZone, reverseName, type ZoneInput } from "./records";
import { endpoints, pod, service } from "./testing";
import { lookup } from "./zone";

const web = service("default", "web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }, { port: 9090 }] });
const db = service("data", "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] });
const dbEndpoints = endpoints(
  "data",
  "db",
  [{ ip: "10.244.1.5", hostname: "db-0" }, { ip: "10.244.2.7", pod: "db-1" }, { ip: "10.244.3.9" }],
  [{ ip: "10.244.4.4", hostname: "db-3" }],
  [{ name: "pg", port: 5432, protocol: "TCP" }],
);
const pods = [pod("data", "db-1", { hostname: "db-1", subdomain: "db" })];
const input: ZoneInput = {
  services: [web, db, service("default", "ext", { type: "ExternalName", externalName: "www.example.com" }), service("default", "alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" })],
  endpoints: [fromCoreEndpoints(dbEndpoints)],
  pod: (ns, name) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name),
};
const zone = buildZone(input);
const ask = (name: string, type: RecordType = "A", z = zone) => lookup(z, { name, type } as Question);
const data = (name: string, type: RecordType = "A", z = zone) => ask(name, type, z)?.answers.filter((a) => a.type === type).map((a) => ("data" in a ? a.data : undefined));

describe("cluster DNS records", () => {
  it("answers a ClusterIP Service's name with its ClusterIP, case-insensitively and with the TTL chosen", () => {
    expect(data("web.default.svc.cluster.local")).toEqual(["10.96.0.20"]);
    const a = ask("WEB.Default.SVC.cluster.local.")!;
    expect(a.rcode).toBe("NOERROR");
    expect(a.answers[0]).toMatchObject({ name: "WEB.Default.SVC.cluster.local", ttl: 5, data: "10.96.0.20" });
  });

  it("gives an SRV record for each named port only, pointing at the Service's name, with its A record added", () => {
    expect(data("_http._tcp.web.default.svc.cluster.local", "SRV")).toEqual([{ priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }]);
    expect(ask("_http._tcp.web.default.svc.cluster.local", "SRV")!.additionals).toMatchObject([{ type: "A", data: "10.96.0.20" }]);
    expect(ask("_9090._tcp.web.default.svc.cluster.local", "SRV")!.rcode).toBe("NXDOMAIN");
    expect(ask("_http._udp.web.default.svc.cluster.local", "SRV")!.rcode).toBe("NXDOMAIN");
  });

  it("answers a ClusterIP's reverse name with the Service's name", () => {
    expect(reverseName("10.96.0.20")).toBe("20.0.96.10.in-addr.arpa");
    expect(data("20.0.96.10.in-addr.arpa", "PTR")).toEqual(["web.default.svc.cluster.local"]);
  });

  it("answers a headless Service with its ready endpoints only", () => {
    expect(data("db.data.svc.cluster.local")!.sort()).toEqual(["10.244.1.5", "10.244.2.7", "10.244.3.9"]);
  });

  it("includes not-ready endpoints of a headless Service that publishes them", () => {
    const z = buildZone({ ...input, services: [service("data", "db", { clusterIP: "None", publishNotReadyAddresses: true })] });
    expect(data("db.data.svc.cluster.local", "A", z)).toContain("10.244.4.4");
    expect(data("db-3.db.data.svc.cluster.local", "A", z)).toEqual(["10.244.4.4"]);
  });

  it("names each headless endpoint by its hostname, by its pod's hostname+subdomain, else by its dashed IP", () => {
    expect(data("db-0.db.data.svc.cluster.local")).toEqual(["10.244.1.5"]);
    expect(data("db-1.db.data.svc.cluster.local")).toEqual(["10.244.2.7"]);
    expect(data("10-244-3-9.db.data.svc.cluster.local")).toEqual(["10.244.3.9"]);
    expect(ask("db-3.db.data.svc.cluster.local")!.rcode).toBe("NXDOMAIN");
  });

  it("gives a headless Service one SRV per ready endpoint and named port, with the targets' addresses", () => {
    const srv = ask("_pg._tcp.db.data.svc.cluster.local", "SRV")!;
    expect(srv.answers.map((a) => (a.type === "SRV" ? `${a.data.port} ${a.data.target}` : "")).sort()).toEqual([
      "5432 10-244-3-9.db.data.svc.cluster.local",
      "5432 db-0.db.data.svc.cluster.local",
      "5432 db-1.db.data.svc.cluster.local",
    ]);
    expect(srv.additionals.map((a) => a.name).sort()).toEqual(["10-244-3-9.db.data.svc.cluster.local", "db-0.db.data.svc.cluster.local", "db-1.db.data.svc.cluster.local"]);
  });

  it("answers a headless endpoint's reverse name with its hostname", () => {
    expect(data("5.1.244.10.in-addr.arpa", "PTR")).toEqual(["db-0.db.data.svc.cluster.local"]);
  });

  it("answers NXDOMAIN for a headless Service without ready endpoints, as the specification says", () => {
    const z = buildZone({ services: [db], endpoints: [fromCoreEndpoints(endpoints("data", "db", [], [{ ip: "10.244.4.4" }]))] });
    const a = ask("db.data.svc.cluster.local", "A", z)!;
    expect(a.rcode).toBe("NXDOMAIN");
    expect(a.authorities).toMatchObject([{ type: "SOA", name: "cluster.local" }]);
  });

  it("answers an ExternalName Service with a CNAME to be resolved upstream", () => {
    const a = ask("ext.default.svc.cluster.local")!;
    expect(a.answers).toMatchObject([{ type: "CNAME", data: "www.example.com" }]);
    expect(a.chase).toEqual({ name: "www.example.com", type: "A" });
    expect(data("ext.default.svc.cluster.local", "CNAME")).toEqual(["www.example.com"]);
  });

  it("follows an ExternalName that points at another Service of the cluster", () => {
    const a = ask("alias.default.svc.cluster.local")!;
    expect(a.answers.map((x) => x.type)).toEqual(["CNAME", "A"]);
    expect(a.chase).toBeUndefined();
  });

  it("answers NODATA with the SOA for a name that exists without the type asked", () => {
    for (const [name, type] of [["web.default.svc.cluster.local", "AAAA"], ["default.svc.cluster.local", "A"], ["svc.cluster.local", "A"], ["cluster.local", "A"]] as const) {
      const a = ask(name, type)!;
      expect(a, name).toMatchObject({ rcode: "NOERROR", answers: [], authorities: [{ type: "SOA" }] });
    }
  });

  it("answers NXDOMAIN with the SOA for names of the zone that do not exist", () => {
    for (const name of ["nope.default.svc.cluster.local", "web.nope.svc.cluster.local", "x.web.default.svc.cluster.local", "foo.cluster.local"]) {
      const a = ask(name)!;
      expect(a.rcode, name).toBe("NXDOMAIN");
      expect(a.authorities[0]).toMatchObject({ type: "SOA", data: { mname: "ns.dns.cluster.local", minimum: 5 } });
    }
  });

  it("answers dashed pod names under pod.<zone> with the IP they spell (kube-dns's deprecated records)", () => {
    expect(data("10-244-1-5.data.pod.cluster.local")).toEqual(["10.244.1.5"]);
    expect(ask("10-244-1-999.data.pod.cluster.local")!.rcode).toBe("NXDOMAIN");
  });

  it("publishes the schema version and the zone's SOA", () => {
    expect(data("dns-version.cluster.local", "TXT")).toEqual(["1.1.0"]);
    expect(ask("cluster.local", "SOA")!.answers).toMatchObject([{ type: "SOA" }]);
  });

  it("leaves names outside the zone, and reverse names it holds nothing for, to the upstream resolvers", () => {
    expect(ask("example.com")).toBeUndefined();
    expect(ask("1.0.0.127.in-addr.arpa", "PTR")).toBeUndefined();
  });

  it("serves another cluster domain when configured, and AAAA for IPv6 ClusterIPs", () => {
    const z = buildZone({ domain: "kube.example.", services: [service("a", "v6", { clusterIP: "fd00::10", ports: [{ port: 80 }] })], endpoints: [] });
    expect(data("v6.a.svc.kube.example", "AAAA", z)).toEqual(["fd00::10"]);
    expect(ask("v6.a.svc.cluster.local", "AAAA", z)).toBeUndefined();
    expect(data(reverseName("fd00::10")!, "PTR", z)).toEqual(["v6.a.svc.kube.example"]);
    expect(reverseName("fd00::10")).toBe("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
  });

  it("gives a Service without an allocated ClusterIP no records", () => {
    const z = buildZone({ services: [service("a", "pending", { ports: [{ name: "x", port: 1 }] })], endpoints: [] });
    expect(ask("pending.a.svc.cluster.local", "A", z)!.rcode).toBe("NXDOMAIN");
  });
});
