// Answers one question from the cluster zone (records.ts), with the negative answers RFC 2308
// and the Kubernetes DNS specification ask for: a name that exists without the asked type is
// NODATA (NOERROR, no answers), a name that does not exist is NXDOMAIN, both with the zone's SOA
// in the authority section. Names outside the zone (and reverse names we hold nothing for) are
// not ours: the caller forwards them. Pure.
import type { Answer, Question, RecordType } from "dns-packet";
import { isIP } from "node:net";
import type { Rr, ZoneData } from "./records";

export interface ZoneAnswer {
  rcode: "NOERROR" | "NXDOMAIN";
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** The answer ends in a CNAME to a name outside the zone: resolve this upstream and append. */
  chase?: { name: string; type: RecordType };
}

const normal = (name: string) => name.toLowerCase().replace(/\.$/, "");

/** Is the (lower-cased) name the zone's or under it? */
export function inZone(zone: ZoneData, name: string): boolean {
  const n = normal(name);
  return n === zone.domain || n.endsWith(`.${zone.domain}`);
}

export function soaAnswer(zone: ZoneData): Answer {
  return {
    type: "SOA",
    name: zone.domain,
    ttl: zone.ttl,
    data: { mname: `ns.dns.${zone.domain}`, rname: `hostmaster.${zone.domain}`, serial: zone.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: zone.ttl },
  };
}

function toAnswer(name: string, rr: Rr, ttl: number): Answer {
  return rr.type === "SRV" ? { type: "SRV", name, ttl, data: rr.data } : { type: rr.type, name, ttl, data: rr.data };
}

/** kube-dns's deprecated (but required) pod records: <a-b-c-d>.<ns>.pod.<zone> A a.b.c.d. */
function podRecord(zone: ZoneData, n: string): Rr[] | "exists" | undefined {
  const suffix = `.pod.${zone.domain}`;
  if (n === `pod.${zone.domain}`) return "exists";
  if (!n.endsWith(suffix)) return undefined;
  const labels = n.slice(0, -suffix.length).split(".");
  if (labels.length === 1) return "exists"; // <ns>.pod.<zone>
  if (labels.length !== 2) return undefined;
  const ip = labels[0]!.replace(/-/g, ".");
  if (isIP(ip) === 4) return [{ type: "A", data: ip }];
  const ip6 = labels[0]!.replace(/-/g, ":");
  return isIP(ip6) === 6 ? [{ type: "AAAA", data: ip6 }] : undefined;
}

function recordsAt(zone: ZoneData, n: string): Rr[] | "exists" | undefined {
  const own = zone.records.get(n);
  if (own) return own;
  const pod = podRecord(zone, n);
  if (pod) return pod;
  return zone.nonTerminals.has(n) ? "exists" : undefined;
}

/** dns-packet decodes QTYPE 255 as "ANY", which its RecordType does not list. */
const isAny = (type: string) => type === "ANY";

function apexRecords(zone: ZoneData, type: RecordType, name: string): Answer[] {
  const out: Answer[] = [];
  if (type === "SOA" || isAny(type)) out.push({ ...soaAnswer(zone), name });
  if (type === "NS" || isAny(type)) out.push({ type: "NS", name, ttl: zone.ttl, data: `ns.dns.${zone.domain}` });
  return out;
}

/** The answer for q, or undefined when the name is not the zone's to answer (forward it). */
export function lookup(zone: ZoneData, q: Question): ZoneAnswer | undefined {
  const n = normal(q.name);
  const ours = inZone(zone, n);
  if (!ours && !zone.records.has(n)) return undefined;
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  let owner = q.name.replace(/\.$/, "");
  let at = recordsAt(zone, n);
  // Follow CNAMEs inside the zone (bounded: an ExternalName may point at another Service).
  for (let hops = 0; hops < 8 && Array.isArray(at); hops++) {
    const cname = at.find((r) => r.type === "CNAME");
    if (!cname || q.type === "CNAME" || isAny(q.type)) break;
    answers.push(toAnswer(owner, cname, zone.ttl));
    owner = cname.data as string;
    if (!inZone(zone, owner)) return { rcode: "NOERROR", answers, authorities: [], additionals, chase: { name: owner, type: q.type } };
    at = recordsAt(zone, normal(owner));
  }
  if (at === undefined) return answers.length ? negative(zone, "NOERROR", answers) : negative(zone, "NXDOMAIN", []);
  if (normal(owner) === zone.domain) answers.push(...apexRecords(zone, q.type, owner));
  if (Array.isArray(at)) {
    for (const rr of at) if (rr.type === q.type || isAny(q.type)) answers.push(toAnswer(owner, rr, zone.ttl));
    if (q.type === "SRV") additionals.push(...srvAdditionals(zone, answers));
  }
  const added = answers.length > 0 && (answers.at(-1)!.type === q.type || isAny(q.type) || q.type === "CNAME");
  return added ? { rcode: "NOERROR", answers, authorities: [], additionals } : negative(zone, "NOERROR", answers);
}

function negative(zone: ZoneData, rcode: ZoneAnswer["rcode"], answers: Answer[]): ZoneAnswer {
  return { rcode, answers, authorities: [soaAnswer(zone)], additionals: [] };
}

/** The A/AAAA records of SRV targets, so a client needs no second query. */
function srvAdditionals(zone: ZoneData, answers: Answer[]): Answer[] {
  const out: Answer[] = [];
  const done = new Set<string>();
  for (const a of answers) {
    if (a.type !== "SRV" || done.has(a.data.target)) continue;
    done.add(a.data.target);
    for (const rr of zone.records.get(a.data.target) ?? []) {
      if (rr.type === "A" || rr.type === "AAAA") out.push(toAnswer(a.data.target, rr, zone.ttl));
    }
  }
  return out;
}
