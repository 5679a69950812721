// The pure half: Services + EndpointSlices (+ policies) + node facts -> the table's text, and the
// transaction from one ruleset to the next. The golden file is the whole table of a small node.
import { describe, expect, it } from "vitest";
import { backendsFor } from "./backends";
import type { NodeFacts } from "./model";
import { compilePolicies } from "./policy";
import { renderTable, updateBatch } from "./render";
import { renderRuleset } from "./ruleset";
import { ServiceRenderCache } from "./services";
import { namespace, pod, policy, service, slice } from "./testing";

const W1: NodeFacts = { nodeName: "w1", address: "127.0.0.2", podCIDR: "10.244.1.0/24", gateway: "10.244.1.1" };
const http = [{ name: "http", port: 8080 }];

const world = () => ({
  services: [
    service("shop", "web", { type: "NodePort", clusterIP: "10.96.0.10", externalTrafficPolicy: "Local", sessionAffinity: "ClientIP", ports: [{ name: "http", port: 80, nodePort: 30080, protocol: "TCP" }] }),
    service("shop", "db", { clusterIP: "10.96.0.11", internalTrafficPolicy: "Local", ports: [{ name: "http", port: 5432, protocol: "TCP" }] }),
    service("shop", "dns", { clusterIP: "10.96.0.12", ports: [{ name: "http", port: 53, protocol: "UDP" }] }),
    service("shop", "empty", { clusterIP: "10.96.0.13", ports: [{ port: 80, protocol: "TCP" }] }),
    service("shop", "headless", { clusterIP: "None", ports: [{ port: 80, protocol: "TCP" }] }),
  ],
  slices: [
    slice("shop", "web", [{ ip: "10.244.1.2", node: "w1" }, { ip: "10.244.2.2", node: "w2" }, { ip: "10.244.1.9", node: "w1", ready: false }], http),
    slice("shop", "db", [{ ip: "10.244.2.3", node: "w2" }], http),
    slice("shop", "dns", [{ ip: "10.244.2.4", node: "w2" }], [{ name: "http", port: 5353, protocol: "UDP" }]),
    slice("shop", "headless", [{ ip: "10.244.2.5", node: "w2" }], [{ port: 80 }]),
  ],
  node: W1,
});

describe("renderRuleset", () => {
  it("renders the node's table (golden)", async () => {
    await expect(renderTable(renderRuleset(world()))).toMatchFileSnapshot("testdata/w1.nft");
  });

  it("serves each Service port as kube-proxy does", () => {
    const text = renderTable(renderRuleset(world()));
    // internalTrafficPolicy Local with no endpoint on this node: its pods' traffic is dropped, not sent away.
    expect(text).toMatch(/10\.96\.0\.11 \. tcp \. 5432 : goto svl-[0-9A-F]{8}-shop\/db\/tcp\/http/);
    expect(text).toMatch(/chain svl-[0-9A-F]{8}-shop\/db\/tcp\/http \{\n\t\tdrop\n/);
    // No endpoints: rejected; headless: not proxied; the not-ready endpoint: no chain.
    expect(text).toContain("elements = { 10.96.0.13 . tcp . 80 }");
    expect(text).not.toContain("10.244.2.5");
    expect(text).not.toContain("10.244.1.9");
    expect(text).toContain("meta l4proto udp dnat to 10.244.2.4:5353");
    expect(text).toContain("numgen random mod 2 vmap");
  });
});

describe("ServiceRenderCache", () => {
  it("renders what a render without it renders, reusing only the Services whose objects are the same", () => {
    const cache = new ServiceRenderCache();
    const w = world();
    const first = renderRuleset({ ...w, cache });
    w.slices[1] = slice("shop", "db", [{ ip: "10.244.2.3", node: "w2" }, { ip: "10.244.1.7", node: "w1" }], http);
    w.services = w.services.filter((x) => x.metadata.name !== "dns");
    const second = renderRuleset({ ...w, cache });
    expect(renderTable(second)).toBe(renderTable(renderRuleset(w)));
    const web = (rs: typeof first) => rs.objects.find((o) => o.name.startsWith("svc-") && o.name.endsWith("shop/web/tcp/http"));
    expect(web(second)).toBe(web(first));
    expect(renderTable(second)).toContain("10.244.1.7");
  });
});

describe("backendsFor", () => {
  const port = { name: "http", port: 80, protocol: "TCP" };
  it("takes ready endpoints, once each across slices, matched by port name and protocol", () => {
    const b = backendsFor(port, [slice("s", "x", [{ ip: "10.0.0.2" }, { ip: "10.0.0.1", ready: false }], http, "a"), slice("s", "x", [{ ip: "10.0.0.2" }, { ip: "10.0.0.3" }], http, "b"), slice("s", "x", [{ ip: "10.0.0.4" }], [{ name: "http", port: 8080, protocol: "UDP" }], "c")]);
    expect(b.map((e) => `${e.ip}:${e.port}`)).toEqual(["10.0.0.2:8080", "10.0.0.3:8080"]);
  });
  it("falls back to serving terminating endpoints when none is ready", () => {
    const b = backendsFor(port, [slice("s", "x", [{ ip: "10.0.0.1", ready: false, serving: true, terminating: true }, { ip: "10.0.0.2", ready: false, serving: false, terminating: true }], http)]);
    expect(b.map((e) => e.ip)).toEqual(["10.0.0.1"]);
  });
});

describe("updateBatch", () => {
  it("replaces the table whole the first time, and sends nothing when nothing changed", () => {
    const rs = renderRuleset(world());
    expect(updateBatch(undefined, rs)).toMatch(/^add table ip kubelab-w1\ndelete table ip kubelab-w1\ntable ip kubelab-w1 \{/);
    expect(updateBatch(rs, renderRuleset(world()))).toBe("");
  });

  it("an endpoint turning ready rewrites its service chains and adds its own, nothing else", () => {
    const before = renderRuleset(world());
    const w = world();
    w.slices[0] = slice("shop", "web", [{ ip: "10.244.1.2", node: "w1" }, { ip: "10.244.2.2", node: "w2" }, { ip: "10.244.1.9", node: "w1" }], http);
    const batch = updateBatch(before, renderRuleset(w));
    const touched = [...new Set(batch.split("\n").filter(Boolean).map((l) => l.split(" ").slice(0, 5).join(" ")))];
    expect(touched.filter((l) => l.startsWith("flush"))).toEqual([
      expect.stringMatching(/^flush chain ip kubelab-w1 ep-[0-9A-F]{8}-shop\/web\/tcp\/http__10\.244\.1\.9\/8080$/),
      expect.stringMatching(/^flush chain ip kubelab-w1 svc-/),
      expect.stringMatching(/^flush chain ip kubelab-w1 svl-/),
    ]);
    // The new endpoint's affinity set is declared, never flushed (the kernel fills it).
    expect(batch).toMatch(/add set ip kubelab-w1 aff-[0-9A-F]{8}-shop\/web\/tcp\/http__10\.244\.1\.9\/8080\/10800s \{ type ipv4_addr; flags dynamic,timeout; timeout 10800s; \}/);
    expect(batch).not.toMatch(/flush set/);
  });

  it("a Service that went is emptied, then its maps' entries, then its chains deleted", () => {
    const before = renderRuleset(world());
    const w = world();
    w.services = w.services.filter((s) => s.metadata.name !== "dns");
    const batch = updateBatch(before, renderRuleset(w));
    expect(batch).toContain("flush map ip kubelab-w1 cluster-ips");
    const lines = batch.split("\n");
    const flushAt = lines.findIndex((l) => /^flush chain .*shop\/dns/.test(l));
    const deleteAt = lines.findIndex((l) => /^delete chain .*shop\/dns/.test(l));
    expect(flushAt).toBeGreaterThan(-1);
    expect(deleteAt).toBeGreaterThan(flushAt);
  });
});

describe("compilePolicies", () => {
  const pods = [
    pod("shop", "db", "10.244.1.2", "w1", { app: "db" }, [{ name: "pg", containerPort: 5432 }]),
    pod("shop", "web", "10.244.2.2", "w2", { app: "web" }, [{ name: "pg", containerPort: 6432 }]),
    { ...pod("shop", "hostnet", "127.0.0.2", "w1", { app: "web" }), spec: { nodeName: "w1", hostNetwork: true, containers: [] } },
    pod("other", "web", "10.244.1.3", "w1", { app: "web" }),
  ];
  const compile = (...policies: ReturnType<typeof policy>[]) => compilePolicies({ node: W1, pods, namespaces: [namespace("shop"), namespace("other")], policies });

  it("isolates only the selected pods of this node, in the policy's namespace", () => {
    const out = compile(policy("shop", "p", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
    expect(out.ingress).toEqual([expect.stringMatching(/^10\.244\.1\.2 : jump pol-in-[0-9A-F]{8}-shop\/db$/)]);
    expect(out.egress).toEqual([expect.stringMatching(/^10\.244\.1\.2 : jump pol-out-/)]);
    expect(out.chains.map((c) => c.items)).toEqual([["drop"], ["drop"]]);
  });

  it("compiles peers and ports: pod IPs (no host-network pods), named ports on the right pod, ranges merged, except one by one", () => {
    const out = compile(
      policy("shop", "in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16", "10.1.2.0/24"] } }], ports: [{ port: "pg" }, { port: 5000, endPort: 5500 }, { port: 5400 }] }] }),
      policy("shop", "out", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "pg" }, { protocol: "UDP" }] }] }),
    );
    const [egress, ingress] = out.chains;
    // pg on the db pod is 5432, inside 5000-5500 with 5400: one range.
    expect(ingress!.items).toEqual([
      "ip saddr 10.244.2.2 meta l4proto tcp th dport 5000-5500 return",
      "ip saddr 10.0.0.0/8 ip saddr != 10.1.0.0/16 ip saddr != 10.1.2.0/24 meta l4proto tcp th dport 5000-5500 return",
      "drop",
    ]);
    expect(egress!.items).toEqual(["meta l4proto udp return", "meta l4proto tcp ip daddr . th dport { 10.244.1.2 . 5432, 10.244.2.2 . 6432 } return", "drop"]);
  });
});
