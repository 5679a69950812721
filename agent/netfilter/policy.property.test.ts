// The compiled policy chains decide what api/networking-allowed.ts decides: random namespaces,
// pods, policies and connections; the chains (read by a small interpreter of the rule forms
// policy.ts writes) must admit a connection exactly when isTrafficAllowed does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NetworkPolicyPeer, NetworkPolicyPort } from "../../api/networking";
import { cidrContainsIP, parseCIDR, parseIP } from "../../api/net";
import { isTrafficAllowed } from "../../api/networking-allowed";
import { compilePolicies } from "./policy";
import { namespace, pod, policy } from "./testing";

interface Packet {
  saddr: string;
  daddr: string;
  proto: string;
  dport: number;
}

const elements = (x: string): string[] => (x.startsWith("{") ? x.slice(1, -1).trim().split(/,\s*/) : [x]);
const inAddr = (el: string, ip: string) => cidrContainsIP(parseCIDR(el.includes("/") ? el : `${el}/32`)!, parseIP(ip)!);
const inPorts = (el: string, port: number) => {
  const [lo, hi] = el.split("-").map(Number);
  return port >= lo! && port <= (hi ?? lo!);
};
const CLAUSE = /^(?:ip daddr \. th dport (\{[^}]*\}|\S+ \. \S+)|ip (saddr|daddr) (!= )?(\{[^}]*\}|\S+)|meta l4proto (\S+)|th dport (\{[^}]*\}|\S+))\s*/;

function matches(body: string, p: Packet): boolean {
  let rest = body.trim();
  while (rest) {
    const m = CLAUSE.exec(rest);
    if (!m) throw new Error(`cannot read rule clause: ${rest}`);
    rest = rest.slice(m[0].length);
    let ok: boolean;
    if (m[1]) ok = elements(m[1]).some((pair) => pair === `${p.daddr} . ${p.dport}`);
    else if (m[2]) ok = elements(m[4]!).some((el) => inAddr(el, m[2] === "saddr" ? p.saddr : p.daddr)) !== Boolean(m[3]);
    else if (m[5]) ok = m[5] === p.proto;
    else ok = elements(m[6]!).some((el) => inPorts(el, p.dport));
    if (!ok) return false;
  }
  return true;
}

/** A pod chain: the first rule that matches decides (`return` admits); the final `drop` refuses. */
function admits(items: string[], p: Packet): boolean {
  for (const rule of items) {
    if (rule === "drop") return false;
    if (matches(rule.replace(/ ?return$/, ""), p)) return true;
  }
  throw new Error("a pod chain must end in drop");
}

const W1 = { nodeName: "w1", address: "127.0.0.2", podCIDR: "10.244.1.0/24", gateway: "10.244.1.1" };
const IPS = ["10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5"];
const sel = fc.oneof(fc.constant({}), fc.constantFrom("web", "db").map((app) => ({ matchLabels: { app } as Record<string, string> })));
const nsSel = fc.oneof(fc.constant({}), fc.constantFrom("x", "y").map((team) => ({ matchLabels: { team } as Record<string, string> })));
const peer = fc.oneof<fc.Arbitrary<NetworkPolicyPeer>[]>(
  sel.map((podSelector) => ({ podSelector })),
  nsSel.map((namespaceSelector) => ({ namespaceSelector })),
  fc.tuple(sel, nsSel).map(([podSelector, namespaceSelector]) => ({ podSelector, namespaceSelector })),
  fc.constantFrom({ ipBlock: { cidr: "10.244.1.0/29", except: ["10.244.1.2/32"] } }, { ipBlock: { cidr: "10.244.1.4/30" } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.244.1.0/30", "10.244.1.2/31"] } }),
);
const port: fc.Arbitrary<NetworkPolicyPort> = fc.constantFrom<NetworkPolicyPort>({ port: 80 }, { port: "http" }, { port: 80, endPort: 8080 }, { protocol: "UDP" }, { port: "http", protocol: "UDP" }, { port: 81, protocol: "UDP" });
const rule = fc.record({ ports: fc.option(fc.array(port, { maxLength: 2 }), { nil: undefined }), peers: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }) });
const policyArb = fc.record({
  ns: fc.constantFrom("a", "b"),
  podSelector: sel,
  types: fc.constantFrom<string[] | undefined>(undefined, ["Ingress"], ["Egress"], ["Ingress", "Egress"]),
  ingress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
});
const podArb = fc.record({ ns: fc.constantFrom("a", "b"), app: fc.constantFrom("web", "db"), httpPort: fc.constantFrom(80, 8080, 81), httpProto: fc.constantFrom("TCP", "UDP") });

describe("compiled policy chains", () => {
  it("admit exactly the connections isTrafficAllowed allows", () => {
    fc.assert(
      fc.property(fc.tuple(podArb, podArb, podArb, podArb), fc.array(policyArb, { maxLength: 3 }), fc.constantFrom("x", "y"), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(80, 81, 8080), fc.constantFrom("TCP", "UDP"), (podSpecs, policySpecs, teamA, from, to, dport, protocol) => {
        const pods = podSpecs.map((s, i) => pod(s.ns, `p${i}`, IPS[i]!, "w1", { app: s.app }, [{ name: "http", containerPort: s.httpPort, protocol: s.httpProto }]));
        const namespaces = [namespace("a", { team: teamA }), namespace("b", { team: teamA === "x" ? "y" : "x" })];
        const policies = policySpecs.map((p, i) =>
          policy(p.ns, `pol${i}`, {
            podSelector: p.podSelector,
            ...(p.types ? { policyTypes: p.types } : {}),
            ...(p.ingress ? { ingress: p.ingress.map((r) => ({ ...(r.ports ? { ports: r.ports } : {}), ...(r.peers ? { from: r.peers } : {}) })) } : {}),
            ...(p.egress ? { egress: p.egress.map((r) => ({ ...(r.ports ? { ports: r.ports } : {}), ...(r.peers ? { to: r.peers } : {}) })) } : {}),
          }),
        );
        const compiled = compilePolicies({ node: W1, pods, namespaces, policies });
        const chainOf = (map: string[], ip: string) => {
          const el = map.find((e) => e.startsWith(`${ip} : jump `));
          return el && compiled.chains.find((c) => c.name === el.slice(`${ip} : jump `.length))!.items;
        };
        const packet = { saddr: IPS[from]!, daddr: IPS[to]!, proto: protocol.toLowerCase(), dport };
        const egress = chainOf(compiled.egress, packet.saddr);
        const ingress = chainOf(compiled.ingress, packet.daddr);
        const kernel = (!egress || admits(egress, packet)) && (!ingress || admits(ingress, packet));
        const expected = isTrafficAllowed({ policies, namespaces }, { from: { ip: IPS[from]!, pod: pods[from] }, to: { ip: IPS[to]!, pod: pods[to] }, port: dport, protocol }).allowed;
        expect(kernel).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });
});
