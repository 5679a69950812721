// DNS message helpers over dns-packet: rcodes, the EDNS payload size a client allows, and fitting
// a UDP answer into it (TC bit: the client retries over TCP, RFC 1035 4.2.1 and RFC 6891 6.2.5).
import * as packet from "dns-packet";
import type { Answer, DecodedPacket, OptAnswer, Packet } from "dns-packet";

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof RCODE;

/** Without EDNS a UDP message may be 512 bytes (RFC 1035). */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise and accept at most: the DNS flag day 2020 recommendation. */
export const EDNS_UDP_SIZE = 1232;

export function rcodeName(flags: number): string {
  const code = flags & 0xf;
  return (Object.keys(RCODE) as RcodeName[]).find((k) => RCODE[k] === code) ?? String(code);
}

export function optOf(p: Packet): OptAnswer | undefined {
  return p.additionals?.find((a): a is OptAnswer => a.type === "OPT");
}

/** The largest UDP response the client accepts (RFC 6891: never below 512). */
export function udpLimit(query: Packet): number {
  const opt = optOf(query);
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, Math.min(opt.udpPayloadSize || CLASSIC_UDP_SIZE, EDNS_UDP_SIZE));
}

/** Our OPT record for a response to a query that had one. */
export function responseOpt(query: Packet): Answer[] {
  return optOf(query) ? [{ type: "OPT", name: ".", udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
}

/** Encodes the response; over limit, the same header and question with TC set and no records. */
export function encodeFitting(response: Packet, limit: number): Buffer {
  const full = packet.encode(response);
  if (full.length <= limit) return full;
  const opt = response.additionals?.filter((a) => a.type === "OPT") ?? [];
  return packet.encode({ ...response, flags: (response.flags ?? 0) | packet.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: opt });
}

/** A header-only error reply to bytes we could not decode, when they at least carry an id. */
export function formatErrorFor(raw: Buffer): Buffer | undefined {
  if (raw.length < 12 || (raw[2]! & 0x80) !== 0) return undefined; // too short, or itself a response
  return packet.encode({ id: raw.readUInt16BE(0), type: "response", flags: (raw.readUInt16BE(2) & 0x7900) | RCODE.FORMERR });
}

/** A reply with rcode and no records, echoing the question. */
export function errorReply(query: DecodedPacket, rcode: number): Packet {
  return { id: query.id, type: "response", flags: rdRa(query) | rcode, questions: query.questions, additionals: responseOpt(query) };
}

/** RD copied from the query; RA set, since we recurse (forward) for names outside the zone. */
export function rdRa(query: DecodedPacket): number {
  return (query.flag_rd ? packet.RECURSION_DESIRED : 0) | packet.RECURSION_AVAILABLE;
}
