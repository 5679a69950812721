// The DNS server on loopback, asked by a real resolver (Node's dns.Resolver is c-ares) and by raw
// UDP/TCP packets; its upstream is a resolver of our own on 127.0.0.1 (nothing else is queried).
import * as dnsPacket from "dns-packet";
import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { connect } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoints, Pod, Service } from "../../api/core";
import { eventually } from "../../test/fixtures/wait";
import { endpointSetsFrom, startClusterDns, type ClusterDns } from "./index";
import { endpoints, MemoryWatched, pod, service, startFakeUpstream, type FakeUpstream } from "./testing";

let upstream: FakeUpstream;
let dns: ClusterDns;
let port: number;
const registry = new Registry();
const services = new MemoryWatched<Service>([
  service("default", "web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] }),
  service("default", "ext", { type: "ExternalName", externalName: "www.example.com" }),
  service("data", "big", { clusterIP: "None", ports: [{ name: "p", port: 1 }] }),
]);
// 20 A records: over 512 bytes (dns-packet does not compress names), under the 1232 of EDNS.
const bigIps = Array.from({ length: 20 }, (_, i) => `10.244.9.${i + 1}`);
const eps = new MemoryWatched<Endpoints>([endpoints("data", "big", bigIps.map((ip) => ({ ip })), [], [{ name: "p", port: 1 }])]);
const pods = new MemoryWatched<Pod>([pod("data", "x")]);

function resolver(): Resolver {
  const r = new Resolver({ timeout: 3000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

function udpQuery(msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    const t = setTimeout(() => (s.close(), reject(new Error("no UDP answer"))), 3000);
    s.on("message", (m) => (clearTimeout(t), s.close(), resolve(m)));
    s.send(msg, port, "127.0.0.1");
  });
}

function tcpQueries(msgs: Buffer[]): Promise<dnsPacket.DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const c = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const out: dnsPacket.DecodedPacket[] = [];
    c.on("error", reject);
    c.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === msgs.length) (c.destroy(), resolve(out));
    });
    c.write(Buffer.concat(msgs.map((m) => dnsPacket.streamEncode(dnsPacket.decode(m)))));
  });
}

const query = (name: string, type: dnsPacket.RecordType = "A", extra: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({ id: 4242, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }], ...extra });

beforeAll(async () => {
  upstream = await startFakeUpstream({ "example.com": ["192.0.2.1"], "www.example.com": ["192.0.2.10"] });
  dns = await startClusterDns({ services, endpoints: eps, pods, listen: [{ address: "127.0.0.1", port: 0 }], upstream: [{ address: "127.0.0.1", port: upstream.port }], upstreamTimeoutMs: 300, metrics: registry });
  port = dns.addresses()[0]!.port;
});
afterAll(async () => {
  await dns?.close();
  await upstream?.close();
});

describe("cluster DNS server, asked by a real resolver", () => {
  it("answers a Service's name with its ClusterIP", async () => {
    expect(await resolver().resolve4("web.default.svc.cluster.local")).toEqual(["10.96.0.20"]);
  });

  it("answers SRV for a named port", async () => {
    expect(await resolver().resolveSrv("_http._tcp.web.default.svc.cluster.local")).toEqual([{ name: "web.default.svc.cluster.local", port: 80, priority: 0, weight: 100 }]);
  });

  it("answers PTR for a ClusterIP", async () => {
    expect(await resolver().reverse("10.96.0.20")).toEqual(["web.default.svc.cluster.local"]);
  });

  it("answers an ExternalName with its CNAME, and its target's address from upstream", async () => {
    expect(await resolver().resolveCname("ext.default.svc.cluster.local")).toEqual(["www.example.com"]);
    expect(await resolver().resolve4("ext.default.svc.cluster.local")).toEqual(["192.0.2.10"]);
  });

  it("says NXDOMAIN for a missing Service and NODATA for a type it does not have", async () => {
    await expect(resolver().resolve4("nope.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(resolver().resolve6("web.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENODATA" });
  });

  it("forwards other names to the upstream resolver", async () => {
    expect(await resolver().resolve4("example.com")).toEqual(["192.0.2.1"]);
    await expect(resolver().resolve4("unknown.example")).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(upstream.queries).toContain("example.com A");
  });

  it("answers SERVFAIL when the upstream does not answer in time", async () => {
    await expect(resolver().resolve4("silent.example")).rejects.toMatchObject({ code: "ESERVFAIL" });
  });

  it("truncates a UDP answer over 512 bytes, and the resolver gets it all over TCP", async () => {
    const reply = dnsPacket.decode(await udpQuery(query("big.data.svc.cluster.local")));
    expect(reply.flag_tc).toBe(true);
    expect(reply.answers).toEqual([]);
    expect((await resolver().resolve4("big.data.svc.cluster.local")).sort()).toEqual([...bigIps].sort());
  });

  it("fits a large answer into the EDNS size the client offers", async () => {
    const opt = { type: "OPT" as const, name: ".", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
    const reply = dnsPacket.decode(await udpQuery(query("big.data.svc.cluster.local", "A", { additionals: [opt] })));
    expect(reply.flag_tc).toBe(false);
    expect(reply.answers).toHaveLength(20);
    expect(reply.additionals?.find((a) => a.type === "OPT")).toMatchObject({ udpPayloadSize: 1232 });
  });

  it("answers several queries on one TCP connection", async () => {
    const [a, b] = await tcpQueries([query("web.default.svc.cluster.local"), query("_p._tcp.big.data.svc.cluster.local", "SRV")]);
    expect(a!.answers).toMatchObject([{ type: "A", data: "10.96.0.20" }]);
    expect(a!.flag_aa).toBe(true);
    expect(b!.answers).toHaveLength(20);
  });

  it("survives random bytes and mangled queries, answering FORMERR where it can", async () => {
    const s = createSocket("udp4");
    const valid = query("web.default.svc.cluster.local");
    for (let i = 0; i < 1500; i++) {
      const junk = i % 3 === 0 ? randomBytes(1 + (i % 300)) : Buffer.from(valid);
      if (i % 3 !== 0) for (let k = 0; k < 1 + (i % 5); k++) junk[(i * 7 + k * 13) % junk.length] = randomBytes(1)[0]!;
      s.send(junk, port, "127.0.0.1");
    }
    const garbage = connect(port, "127.0.0.1");
    garbage.on("error", () => undefined);
    garbage.write(Buffer.concat([Buffer.from([0, 40]), randomBytes(40), Buffer.from([0, 3, 1, 2, 3])]));
    s.close();
    garbage.destroy();
    const formErr = dnsPacket.decode(await udpQuery(Buffer.concat([valid.subarray(0, 12), Buffer.from([0xff, 0xff])])));
    expect(formErr).toMatchObject({ id: 4242, rcode: "FORMERR" });
    expect(await resolver().resolve4("web.default.svc.cluster.local")).toEqual(["10.96.0.20"]);
  });

  it("forwards a TCP query over TCP", async () => {
    const [reply] = await tcpQueries([query("example.com")]);
    expect(reply!.answers).toMatchObject([{ type: "A", data: "192.0.2.1" }]);
    expect(reply!.id).toBe(4242);
  });

  it("answers NOTIMP for an opcode other than QUERY", async () => {
    const reply = dnsPacket.decode(await udpQuery(query("web.default.svc.cluster.local", "A", { flags: 2 << 11 })));
    expect(reply.flags! & 0xf).toBe(4); // NOTIMP
  });

  it("follows changes of its inputs within the rebuild interval, answering the same question anew", async () => {
    const ask = () => resolver().resolve4("new.default.svc.cluster.local").catch((e: NodeJS.ErrnoException) => e.code);
    expect(await ask()).toBe("ENOTFOUND");
    services.set(service("default", "new", { clusterIP: "10.96.0.77", ports: [{ port: 80 }] }));
    await eventually(async () => JSON.stringify(await ask()) === JSON.stringify(["10.96.0.77"]), 5000, "the new Service's answer");
    services.set(service("default", "new", { clusterIP: "10.96.0.78", ports: [{ port: 80 }] }));
    await eventually(async () => JSON.stringify(await ask()) === JSON.stringify(["10.96.0.78"]), 5000, "the changed answer");
  });

  it("counts requests and responses under CoreDNS's metric names", async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/coredns_dns_requests_total\{server="dns:\/\/:\d+",zone="cluster.local.",proto="udp",family="1",type="A"\} \d+/);
    expect(text).toMatch(/coredns_dns_responses_total\{[^}]*zone="cluster.local.",rcode="NXDOMAIN"\} [1-9]/);
    expect(text).toMatch(/coredns_dns_responses_total\{[^}]*zone=".",rcode="SERVFAIL"\} [1-9]/);
    expect(text).toMatch(/coredns_dns_request_duration_seconds_bucket\{le="0.001",server="dns:\/\/:\d+",zone="cluster.local.",type="SRV"\} \d+/);
    expect(text).toMatch(/coredns_forward_responses_total\{to="127.0.0.1:\d+",rcode="timeout"\} [1-9]/);
  });
});

describe("cluster DNS server before its informers synced", () => {
  it("answers SERVFAIL for the zone's names (never a false NXDOMAIN) and still forwards the rest", async () => {
    const unsynced = new MemoryWatched<Service>([]);
    unsynced.synced = false;
    const early = await startClusterDns({ services: unsynced, endpoints: new MemoryWatched<Endpoints>(), listen: [{ address: "127.0.0.1", port: 0 }], upstream: [{ address: "127.0.0.1", port: upstream.port }] });
    try {
      const r = new Resolver({ timeout: 3000, tries: 1 });
      r.setServers([`127.0.0.1:${early.addresses()[0]!.port}`]);
      await expect(r.resolve4("web.default.svc.cluster.local")).rejects.toMatchObject({ code: "ESERVFAIL" });
      expect(await r.resolve4("example.com")).toEqual(["192.0.2.1"]);
      unsynced.synced = true;
      await expect(r.resolve4("web.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENOTFOUND" });
    } finally {
      await early.close();
    }
  });
});

describe("cluster DNS fed by another endpoint source", () => {
  // The shape of a discovery.k8s.io/v1 EndpointSlice, as a teammate's adapter will map it.
  interface SliceLike {
    metadata: { namespace: string; name: string; labels: Record<string, string> };
    endpoints: Array<{ addresses: string[]; conditions: { ready: boolean } }>;
  }
  const toSets = (slices: SliceLike[]) =>
    slices.map((s) => ({
      namespace: s.metadata.namespace,
      service: s.metadata.labels["kubernetes.io/service-name"]!,
      endpoints: s.endpoints.flatMap((e) => e.addresses.map((ip) => ({ ip, ready: e.conditions.ready, ports: [] }))),
    }));

  it("answers a headless Service from EndpointSlice-like objects given through endpointSetsFrom", async () => {
    const slices = new MemoryWatched<SliceLike>([
      { metadata: { namespace: "s", name: "db-abc", labels: { "kubernetes.io/service-name": "db" } }, endpoints: [{ addresses: ["10.244.7.1"], conditions: { ready: true } }, { addresses: ["10.244.7.2"], conditions: { ready: false } }] },
    ]);
    const other = await startClusterDns({
      services: new MemoryWatched<Service>([service("s", "db", { clusterIP: "None" })]),
      endpointSets: endpointSetsFrom(slices, toSets),
      listen: [{ address: "127.0.0.1", port: 0 }],
      upstream: [],
    });
    try {
      const r = new Resolver({ timeout: 3000, tries: 1 });
      r.setServers([`127.0.0.1:${other.addresses()[0]!.port}`]);
      expect(await r.resolve4("db.s.svc.cluster.local")).toEqual(["10.244.7.1"]);
    } finally {
      await other.close();
    }
  });

  it("refuses to start with both endpoints and endpointSets, or neither", async () => {
    const services = new MemoryWatched<Service>();
    await expect(startClusterDns({ services, listen: [] })).rejects.toThrow(/exactly one of endpoints and endpointSets/);
    await expect(startClusterDns({ services, endpoints: new MemoryWatched<Endpoints>(), endpointSets: endpointSetsFrom(new MemoryWatched<Endpoints>(), () => []), listen: [] })).rejects.toThrow(/exactly one/);
  });
});
