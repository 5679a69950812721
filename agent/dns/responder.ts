// One DNS query in, one reply out (or none): the cluster zone answers its own names
// authoritatively, everything else goes to the upstream resolvers (SERVFAIL when none answers).
// Bytes that do not decode get FORMERR when they carry an id and nothing when they do not; no
// input throws out of answer(). The transports (server.ts) only move bytes.
import * as packet from "dns-packet";
import type { Answer, DecodedPacket, Packet, Question } from "dns-packet";
import type { ZoneData } from "./records";
import { encodeFitting, errorReply, formatErrorFor, RCODE, rcodeName, rdRa, responseOpt, udpLimit } from "./message";
import type { Proto } from "./upstream";
import { lookup, type ZoneAnswer } from "./zone";

export interface DnsReply {
  response: Buffer;
  /** "cluster.local." for the zone's names, "." for forwarded ones (CoreDNS's zone label). */
  zone: string;
  qtype: string;
  rcode: string;
}

export interface ResponderOptions {
  /** The cluster domain (lower case, no trailing dot), known even before the zone is built. */
  domain: string;
  /** The current zone; undefined until the informers have synced (the zone's names get SERVFAIL then). */
  zone: () => ZoneData | undefined;
  /** Sends a query upstream, returning the reply with the query's id (throws when none answers). */
  forward: (query: Buffer, proto: Proto) => Promise<Buffer>;
}

export class Responder {
  private readonly cache = new AnswerCache();

  constructor(private readonly opts: ResponderOptions) {}

  /** The reply to raw; a failure of our own (a name we cannot re-encode) is SERVFAIL, never a throw. */
  async answer(raw: Buffer, proto: Proto): Promise<DnsReply | undefined> {
    try {
      return await this.answerOrThrow(raw, proto);
    } catch {
      const response = formatErrorFor(raw);
      if (response) response.writeUInt16BE((response.readUInt16BE(2) & 0xfff0) | RCODE.SERVFAIL, 2);
      return response && { response, zone: ".", qtype: "other", rcode: "SERVFAIL" };
    }
  }

  private async answerOrThrow(raw: Buffer, proto: Proto): Promise<DnsReply | undefined> {
    const cached = raw.length >= 12 ? this.cache.get(this.opts.zone(), raw, proto) : undefined;
    if (cached) return cached;
    let query: DecodedPacket;
    try {
      query = packet.decode(raw);
    } catch {
      const response = formatErrorFor(raw);
      return response && { response, zone: ".", qtype: "other", rcode: "FORMERR" };
    }
    if (query.type === "response") return undefined; // never answer answers (reflection loops)
    const q = query.questions?.[0];
    const limit = proto === "udp" ? udpLimit(query) : 0xffff;
    if ((query.flags ?? 0) & 0x7800) return this.reply(errorReply(query, RCODE.NOTIMP), q, ".", limit); // opcode other than QUERY
    if (!q || query.questions!.length !== 1) return this.reply(errorReply(query, RCODE.FORMERR), q, ".", limit);
    // A label with a dot byte in it decodes to a name dns-packet cannot encode back: FORMERR, no question echoed.
    if (!encodableName(q.name)) return this.reply({ ...errorReply(query, RCODE.FORMERR), questions: [] }, q, ".", limit);
    const name = q.name.toLowerCase().replace(/\.$/, "");
    const zone = this.opts.zone();
    const ours = name === this.opts.domain || name.endsWith(`.${this.opts.domain}`);
    const zoneLabel = `${this.opts.domain}.`;
    if (ours && !zone) return this.reply(errorReply(query, RCODE.SERVFAIL), q, zoneLabel, limit);
    const found = zone && (q.class ?? "IN") === "IN" ? lookup(zone, q) : undefined;
    if (found) {
      const reply = this.reply(await this.authoritative(query, q, found), q, zoneLabel, limit);
      if (!found.chase) this.cache.put(zone!, raw, proto, reply);
      return reply;
    }
    if (ours) return this.reply(errorReply(query, RCODE.NOTIMP), q, zoneLabel, limit); // a class other than IN
    return this.forwarded(raw, query, q, proto, limit);
  }

  private async authoritative(query: DecodedPacket, q: Question, found: ZoneAnswer): Promise<Packet> {
    const answers: Answer[] = [...found.answers];
    if (found.chase) answers.push(...(await this.chase(found.chase)));
    return {
      id: query.id,
      type: "response",
      flags: packet.AUTHORITATIVE_ANSWER | rdRa(query) | RCODE[found.rcode],
      questions: [q],
      answers,
      authorities: found.authorities,
      additionals: [...found.additionals, ...responseOpt(query)],
    };
  }

  /** An ExternalName's target, resolved upstream (best effort: the CNAME alone when that fails). */
  private async chase(q: { name: string; type: Question["type"] }): Promise<Answer[]> {
    const id = Math.floor(Math.random() * 0x10000);
    try {
      const reply = packet.decode(await this.opts.forward(packet.encode({ id, type: "query", flags: packet.RECURSION_DESIRED, questions: [q] }), "udp"));
      return reply.answers ?? [];
    } catch {
      return [];
    }
  }

  private async forwarded(raw: Buffer, query: DecodedPacket, q: Question, proto: Proto, limit: number): Promise<DnsReply> {
    let reply: Buffer;
    try {
      reply = await this.opts.forward(raw, proto);
    } catch {
      return this.reply(errorReply(query, RCODE.SERVFAIL), q, ".", limit);
    }
    if (reply.length <= limit) return { response: reply, zone: ".", qtype: q.type, rcode: rcodeName(reply.readUInt16BE(2)) };
    // Larger than this client takes over UDP (an upstream that ignored its EDNS size): truncate.
    try {
      const decoded = packet.decode(reply);
      return this.reply({ ...decoded, id: query.id, type: "response" }, q, ".", limit);
    } catch {
      return this.reply(errorReply(query, RCODE.SERVFAIL), q, ".", limit);
    }
  }

  private reply(p: Packet, q: Question | undefined, zone: string, limit: number): DnsReply {
    return { response: encodeFitting(p, limit), zone, qtype: q?.type ?? "other", rcode: rcodeName(p.flags ?? 0) };
  }
}

/** Labels of 1 to 63 bytes (the root alone excepted), as the name is split when encoded again. */
export function encodableName(name: string): boolean {
  const n = name.replace(/\.$/, "");
  return n === "" || n.split(".").every((l) => l.length > 0 && Buffer.byteLength(l) <= 63);
}

/**
 * Encoded zone answers by the query's bytes after its id (same question, flags and EDNS: same
 * answer), valid for one zone build: the hot path of a busy server is then a copy and an id write.
 * Answers that needed upstream (ExternalName chases) are not kept.
 */
class AnswerCache {
  private zone?: ZoneData;
  private readonly answers = new Map<string, DnsReply>();
  static readonly MAX_ENTRIES = 10_000;

  get(zone: ZoneData | undefined, raw: Buffer, proto: Proto): DnsReply | undefined {
    if (!zone || zone !== this.zone) return undefined;
    const hit = this.answers.get(key(raw, proto));
    if (!hit) return undefined;
    const response = Buffer.from(hit.response);
    raw.copy(response, 0, 0, 2);
    return { ...hit, response };
  }

  put(zone: ZoneData, raw: Buffer, proto: Proto, reply: DnsReply): void {
    if (zone !== this.zone || this.answers.size >= AnswerCache.MAX_ENTRIES) {
      this.answers.clear();
      this.zone = zone;
    }
    this.answers.set(key(raw, proto), reply);
  }
}

const key = (raw: Buffer, proto: Proto) => proto + raw.toString("latin1", 2);
