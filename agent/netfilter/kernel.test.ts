// The node's table on real netfilter: a host namespace with two nodes' bridges (w1 10.244.1/24,
// w2 10.244.2/24), pods as namespaces with HTTP servers, and one Proxier per node writing its own
// table there, as two agents of the lab do on one host.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Namespace, Pod, Service } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import type { NetworkPolicy } from "../../api/networking";
import { isTrafficAllowed } from "../../api/networking-allowed";
import { consistently, eventually } from "../../test/fixtures/wait";
import { tableName, type NodeFacts } from "./model";
import { deleteNodeTable, listKubelabTables, nftCommand, TableWriter } from "./nft";
import { renderRuleset } from "./ruleset";
import { NetnsHost } from "./netns-fixture";
import { Proxier } from "./proxier";
import { MemoryWatched, namespace, pod, policy, service, slice } from "./testing";

const lab = new NetnsHost(`nbk${process.pid % 10000}`);
const nft = nftCommand(["ip", "netns", "exec", lab.host]);
const W1: NodeFacts = { nodeName: `nbk-w1-${process.pid}`, address: "127.0.0.2", podCIDR: "10.244.1.0/24", gateway: "10.244.1.1" };
const W2: NodeFacts = { nodeName: `nbk-w2-${process.pid}`, address: "127.0.0.3", podCIDR: "10.244.2.0/24", gateway: "10.244.2.1" };
const IPS = { a1: "10.244.1.2", a2: "10.244.1.3", a3: "10.244.1.4", b1: "10.244.2.2" } as const;
const NODE_OF = { a1: W1, a2: W1, a3: W1, b1: W2 } as const;
type PodName = keyof typeof IPS;

const services = new MemoryWatched<Service>();
const slices = new MemoryWatched<EndpointSlice>();
const pods = new MemoryWatched<Pod>();
const namespaces = new MemoryWatched<Namespace>();
const policies = new MemoryWatched<NetworkPolicy>();
const proxiers: Proxier[] = [];
const log = pino({ level: "silent" });
const syncErrors: string[] = [];

const ep = (p: PodName, ready = true) => ({ ip: IPS[p], node: NODE_OF[p].nodeName, ready });
const http = [{ name: "http", port: 8080 }];
const ns = (p: PodName) => lab.podNs(p);

function startProxier(node: NodeFacts): Proxier {
  const p = new Proxier({ sources: { services, slices, pods, namespaces, policies }, node: () => node, nft, log, onError: (e) => syncErrors.push(e.message) });
  proxiers.push(p);
  p.changed();
  return p;
}
const idle = () => Promise.all(proxiers.map((p) => p.idle()));

beforeAll(async () => {
  await lab.start();
  await lab.exec(lab.host, ["sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1"]);
  await lab.addBridge("br1", "10.244.1.1/24");
  await lab.addBridge("br2", "10.244.2.1/24");
  for (const p of Object.keys(IPS) as PodName[]) await lab.addPod(p, NODE_OF[p] === W1 ? "br1" : "br2", IPS[p], NODE_OF[p].gateway);
  services.set(service("default", "web", { type: "NodePort", clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080, protocol: "TCP" }] }));
  slices.set(slice("default", "web", [ep("a1"), ep("a2", false), ep("a3")], http));
  services.set(service("default", "self", { clusterIP: "10.96.0.11", ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
  slices.set(slice("default", "self", [ep("a1")], http));
  services.set(service("default", "sticky", { clusterIP: "10.96.0.12", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
  slices.set(slice("default", "sticky", [ep("a1"), ep("a3"), ep("b1")], http));
  services.set(service("default", "local", { clusterIP: "10.96.0.13", internalTrafficPolicy: "Local", ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
  slices.set(slice("default", "local", [ep("a1"), ep("b1")], http));
  services.set(service("default", "empty", { clusterIP: "10.96.0.14", ports: [{ port: 80, protocol: "TCP" }] }));
  services.set(service("default", "keep-client", { type: "NodePort", clusterIP: "10.96.0.15", externalTrafficPolicy: "Local", ports: [{ name: "http", port: 80, nodePort: 30081, protocol: "TCP" }] }));
  slices.set(slice("default", "keep-client", [ep("a3"), ep("b1")], http));
  await lab.addOutside("outside", "192.0.3.2", "192.0.3.1");
  // A table left by a gone node on w1's pod CIDR (a stopped agent of another lab): w1's proxier removes it.
  await new TableWriter(nft).apply(renderRuleset({ services: [], slices: [], node: { ...W1, nodeName: `nbk-gone-${process.pid}` } }));
  startProxier(W1);
  startProxier(W2);
  await idle();
}, 60_000);

afterAll(async () => {
  for (const p of proxiers) p.stop();
  await lab.destroy();
  // Every update went in as one transaction (a failed one would have been retried as a full replacement).
  expect(syncErrors).toEqual([]);
});

describe("Services in the kernel", () => {
  it("a ClusterIP balances over the ready endpoints only, and a pod turning ready gets traffic", async () => {
    const seen = await eventually(async () => {
      const s = await lab.answers(ns("b1"), "http://10.96.0.10/", 12);
      return s.has("a1") && s.has("a3") && s;
    }, 20_000, "both ready endpoints answer");
    expect([...seen].sort()).toEqual(["a1", "a3"]);
    slices.set(slice("default", "web", [ep("a1"), ep("a2"), ep("a3")], http));
    await eventually(async () => (await lab.answers(ns("b1"), "http://10.96.0.10/", 6)).has("a2"), 20_000, "a2 answers once ready");
  });

  it("a pod reaches its own Service (hairpin, masqueraded to the gateway)", async () => {
    const r = await lab.curl(ns("a1"), "http://10.96.0.11/");
    expect(r).toEqual({ code: 0, body: "a1 10.244.1.1" });
  });

  it("a NodePort answers from the host on the node address and from pods on their gateway", async () => {
    expect((await lab.curl(lab.host, "http://127.0.0.2:30080/")).code).toBe(0);
    expect((await lab.curl(ns("a2"), "http://10.244.1.1:30080/")).code).toBe(0);
    expect((await lab.curl(ns("b1"), "http://10.244.2.1:30080/")).code).toBe(0);
    // NodePort traffic is masqueraded: the pod sees the node's address on that bridge, not 127.0.0.1.
    const body = (await lab.curl(lab.host, "http://127.0.0.2:30080/")).body;
    expect(body.split(" ")[1]).toBe("10.244.1.1");
  });

  it("a NodePort from outside: Cluster policy masquerades; Local keeps the client's address and uses this node's endpoints only", async () => {
    const outside = lab.podNs("outside");
    // web's ready endpoints (a2 turned ready in the first test), the client masqueraded to the gateway.
    expect((await lab.curl(outside, "http://10.244.1.1:30080/")).body).toMatch(/^a[123] 10\.244\.1\.1$/);
    expect([...(await lab.answers(outside, "http://10.244.1.1:30081/", 6))]).toEqual(["a3"]);
    expect((await lab.curl(outside, "http://10.244.1.1:30081/")).body).toBe("a3 192.0.3.2");
    expect((await lab.curl(outside, "http://10.244.2.1:30081/")).body).toBe("b1 192.0.3.2");
    // From the node itself a Local NodePort goes cluster-wide (masqueraded), as in kube-proxy.
    await eventually(async () => {
      const seen = await lab.answers(lab.host, "http://127.0.0.2:30081/", 8);
      return seen.has("a3") && seen.has("b1");
    }, 10_000, "both nodes' endpoints answer the node's own Local NodePort traffic");
  });

  it("sessionAffinity ClientIP keeps one client on one endpoint", async () => {
    const seen = await lab.answers(ns("a2"), "http://10.96.0.12/", 8);
    expect(seen.size).toBe(1);
    expect([...seen][0]).toMatch(/^(a1|a3|b1)$/);
  });

  it("internalTrafficPolicy Local sends each node's pods to that node's endpoints", async () => {
    expect([...(await lab.answers(ns("a2"), "http://10.96.0.13/", 6))]).toEqual(["a1"]);
    expect([...(await lab.answers(ns("b1"), "http://10.96.0.13/", 6))]).toEqual(["b1"]);
  });

  it("a Service without endpoints refuses at once", async () => {
    const started = performance.now();
    expect((await lab.curl(ns("a2"), "http://10.96.0.14/")).code).toBe(7);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("writes nothing when nothing changed, and a small update when one endpoint did", async () => {
    const stats: Array<{ changed: boolean; lines: number }> = [];
    // A third node without pods: its own table, so this writer does not race the others.
    const w3 = { nodeName: `nbk-w3-${process.pid}`, address: "127.0.0.4", podCIDR: "10.244.3.0/24", gateway: "10.244.3.1" };
    const p = new Proxier({ sources: { services, slices }, node: () => w3, nft, log, onSync: (s) => stats.push(s) });
    p.changed();
    await p.idle();
    p.changed();
    await p.idle();
    slices.set(slice("default", "self", [ep("a1"), ep("a3")], http));
    await p.idle();
    p.stop();
    expect(stats.map((s) => s.changed)).toEqual([true, false, true]);
    expect(stats[2]!.lines).toBeLessThan(20);
    expect(await deleteNodeTable(nft, w3.nodeName)).toBe(true);
    await idle();
  });

  it("one node's table goes and comes back without disturbing the other node's", async () => {
    expect((await listKubelabTables(nft)).sort()).toEqual([tableName(W1.nodeName), tableName(W2.nodeName)].sort());
    const check = consistently(async () => (await lab.curl(ns("b1"), "http://10.96.0.13/")).code === 0, 1500, "w2's pods keep their Service");
    await deleteNodeTable(nft, W1.nodeName);
    expect((await lab.curl(ns("a2"), "http://10.96.0.11/", 1)).code).not.toBe(0);
    await check;
    const again = startProxier(W1);
    await again.idle();
    expect((await lab.curl(ns("a2"), "http://10.96.0.11/")).code).toBe(0);
    proxiers.splice(0, 1)[0]!.stop();
  });
});

describe("NetworkPolicy in the kernel, as api/networking-allowed.ts decides", () => {
  const podObjects = {
    a1: pod("prod", "a1", IPS.a1, W1.nodeName, { app: "db" }, [{ name: "http", containerPort: 8080 }]),
    a2: pod("prod", "a2", IPS.a2, W1.nodeName, { app: "web" }),
    a3: pod("dev", "a3", IPS.a3, W1.nodeName, { app: "web" }),
    b1: pod("prod", "b1", IPS.b1, W2.nodeName, { app: "api" }),
  };

  /** Does a real connection from→to:port go through, and is that what the evaluator says? */
  async function expectAsEvaluated(from: PodName, to: PodName | "gateway", port: number): Promise<boolean> {
    const toEnd = to === "gateway" ? { ip: W1.gateway } : { ip: IPS[to], pod: podObjects[to] };
    const verdict = isTrafficAllowed({ policies: policies.list(), namespaces: namespaces.list() }, { from: { ip: IPS[from], pod: podObjects[from] }, to: toEnd, port });
    const r = await lab.curl(ns(from), `http://${toEnd.ip}:${port}/`, 0.5);
    expect({ from, to, port, connected: r.code === 0 }).toEqual({ from, to, port, connected: verdict.allowed });
    return verdict.allowed;
  }
  const apply = async (...ps: NetworkPolicy[]) => {
    for (const p of policies.list()) policies.remove(p);
    for (const p of ps) policies.set(p);
    await idle();
  };

  beforeAll(async () => {
    namespaces.set(namespace("prod", { team: "core" }));
    namespaces.set(namespace("dev", { env: "dev" }));
    for (const p of Object.values(podObjects)) pods.set(p);
    await lab.serve(lab.host, "dns", W1.gateway, [53]);
    await idle();
  });
  afterAll(async () => {
    for (const p of policies.list()) policies.remove(p);
    await idle();
  });

  it("default-deny blocks every client of the namespace's pods; replies to their own connections still flow", async () => {
    await apply(policy("prod", "deny", { podSelector: {}, policyTypes: ["Ingress"] }));
    expect(await expectAsEvaluated("a2", "a1", 8080)).toBe(false);
    expect(await expectAsEvaluated("a3", "a1", 8080)).toBe(false);
    expect(await expectAsEvaluated("b1", "a2", 8080)).toBe(false);
    expect(await expectAsEvaluated("a1", "a3", 8080)).toBe(true); // a3 (dev) is not isolated; the reply is established
  });

  it("an allow rule by pod label and named port, and one by namespace label, admit exactly their clients", async () => {
    await apply(
      policy("prod", "deny", { podSelector: {}, policyTypes: ["Ingress"] }),
      policy("prod", "web-to-db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: "http" }] }] }),
    );
    expect(await expectAsEvaluated("a2", "a1", 8080)).toBe(true);
    expect(await expectAsEvaluated("a2", "a1", 8081)).toBe(false);
    expect(await expectAsEvaluated("a3", "a1", 8080)).toBe(false);
    expect(await expectAsEvaluated("b1", "a1", 8080)).toBe(false);
    await apply(policy("prod", "from-dev", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "dev" } } }], ports: [{ port: 8080, endPort: 8081 }] }] }));
    expect(await expectAsEvaluated("a3", "a1", 8081)).toBe(true);
    expect(await expectAsEvaluated("a2", "a1", 8080)).toBe(false);
  });

  it("ipBlock with except admits the block minus the exception", async () => {
    await apply(policy("prod", "block", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ ipBlock: { cidr: "10.244.0.0/16", except: ["10.244.1.0/24"] } }] }] }));
    expect(await expectAsEvaluated("b1", "a1", 8080)).toBe(true);
    expect(await expectAsEvaluated("a3", "a1", 8080)).toBe(false);
  });

  it("egress deny blocks, and DNS to the node's gateway still works when the policy allows port 53", async () => {
    await apply(policy("prod", "egress", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] }));
    expect(await expectAsEvaluated("a2", "b1", 8080)).toBe(false);
    expect(await expectAsEvaluated("a2", "a3", 8080)).toBe(false);
    expect(await expectAsEvaluated("a2", "gateway", 53)).toBe(true);
    expect(await expectAsEvaluated("a3", "b1", 8080)).toBe(true); // dev's web: no policy there
  });
});
