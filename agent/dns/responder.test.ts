// Properties of the responder (no sockets): whatever bytes arrive, answer() resolves, and what it
// sends decodes and fits the UDP size; every question about the zone gets NOERROR or NXDOMAIN,
// with the SOA whenever there is no answer. fast-check with the fixed seed and a random one.
import * as dnsPacket from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runSeeds } from "../../test/fuzz/seeds";
import { fromCoreEndpoints } from "./endpoints";
import { buildZone } from "./records";
import { udpLimit } from "./message";
import { Responder } from "./responder";
import { endpoints, service } from "./testing";

const zone = buildZone({
  services: [service("default", "web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] }), service("data", "db", { clusterIP: "None" })],
  endpoints: [fromCoreEndpoints(endpoints("data", "db", [{ ip: "10.244.1.5", hostname: "db-0" }]))],
});
const upstreamReply = (q: Buffer) => dnsPacket.encode({ ...dnsPacket.decode(q), type: "response", answers: [] });
const responder = new Responder({ domain: "cluster.local", zone: () => zone, forward: async (q) => upstreamReply(q) });
const valid = dnsPacket.encode({ id: 7, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "web.default.svc.cluster.local", type: "A" }] });

async function forSeeds<T>(prop: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  for (const seed of runSeeds()) {
    try {
      await fc.assert(prop, { seed, numRuns });
    } catch (e) {
      throw new Error(`property failed with seed ${seed} (replay: FUZZ_SEED=${seed}): ${(e as Error).message}`);
    }
  }
}

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 700 }).map((b) => Buffer.from(b)),
  fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => {
    const b = Buffer.from(valid);
    for (const [i, v] of flips) b[i] = v;
    return b;
  }),
);

describe("DNS responder properties", () => {
  it("answers any bytes without throwing, with a reply that decodes, keeps the id and fits the client's UDP size", async () => {
    await forSeeds(
      fc.asyncProperty(bytes, async (raw) => {
        const reply = await responder.answer(raw, "udp");
        if (!reply) return;
        let limit = 512;
        try {
          limit = udpLimit(dnsPacket.decode(raw));
        } catch {
          // undecodable: a header-only FORMERR
        }
        expect(reply.response.length).toBeLessThanOrEqual(limit);
        if (raw.length >= 12 && !(raw[2]! & 0x80)) expect(reply.response.readUInt16BE(0)).toBe(raw.readUInt16BE(0));
        dnsPacket.decode(reply.response);
      }),
      2000,
    );
  });

  const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
  const zoneName = fc.oneof(
    fc.tuple(label, label).map(([s, ns]) => `${s}.${ns}.svc.cluster.local`),
    fc.tuple(label, fc.constantFrom("web.default", "db.data")).map(([h, s]) => `${h}.${s}.svc.cluster.local`),
    fc.constantFrom("web.default.svc.cluster.local", "db-0.db.data.svc.cluster.local", "_http._tcp.web.default.svc.cluster.local", "default.svc.cluster.local", "cluster.local"),
  );
  const qtype = fc.constantFrom<dnsPacket.RecordType>("A", "AAAA", "SRV", "PTR", "TXT", "CNAME", "SOA", "NS", "MX");

  it("gives every question about the zone an authoritative NOERROR or NXDOMAIN, with the SOA when nothing answers", async () => {
    await forSeeds(
      fc.asyncProperty(zoneName, qtype, async (name, type) => {
        const raw = dnsPacket.encode({ id: 1, type: "query", questions: [{ name, type }] });
        const r = dnsPacket.decode((await responder.answer(raw, "udp"))!.response);
        expect(r.flag_aa).toBe(true);
        expect(["NOERROR", "NXDOMAIN"]).toContain((r as unknown as { rcode: string }).rcode);
        if (!r.answers?.length) expect(r.authorities?.[0]).toMatchObject({ type: "SOA", name: "cluster.local" });
        else expect(r.answers.every((a) => a.name.toLowerCase() === name || a.type === "CNAME")).toBe(true);
      }),
      500,
    );
  });
});
