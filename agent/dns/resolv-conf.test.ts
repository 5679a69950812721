import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/core";
import { formatResolvConf, parseResolvConf, podDnsConfig, type PodDnsInput } from "./resolv-conf";

// The node's resolv.conf of the Kubernetes docs' debugging example (a GCE node).
const node = parseResolvConf("# generated\nnameserver 169.254.169.254\nsearch google.internal. c.gce_project_id.internal\noptions timeout:2\n");

function podWith(spec: Partial<Pod["spec"]>, namespace = "default"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { namespace, name: "p" }, spec: { containers: [{ name: "c", image: "i" }], ...spec } } as Pod;
}
const input = (pod: Pod, over: Partial<PodDnsInput> = {}): PodDnsInput => ({ pod, clusterDNS: ["10.0.0.10"], clusterDomain: "cluster.local", host: node, ...over });
const fileFor = (pod: Pod, over: Partial<PodDnsInput> = {}) => formatResolvConf(podDnsConfig(input(pod, over)).config);

describe("a pod's resolv.conf", () => {
  it("reads the node's resolv.conf as the kubelet does (nameservers add up, the last search/options win, trailing dots go)", () => {
    expect(parseResolvConf("nameserver 1.1.1.1\nsearch a.example\nnameserver 8.8.8.8\nsearch b.example. c.example\noptions ndots:1\noptions rotate\n")).toEqual({
      nameservers: ["1.1.1.1", "8.8.8.8"],
      searches: ["b.example", "c.example"],
      options: ["rotate"],
    });
  });

  it("is the docs' example for ClusterFirst, the default: cluster DNS, the namespace's search path then the node's, ndots:5", () => {
    expect(fileFor(podWith({}))).toBe(
      "search default.svc.cluster.local svc.cluster.local cluster.local google.internal c.gce_project_id.internal\nnameserver 10.0.0.10\noptions ndots:5\n",
    );
    expect(podDnsConfig(input(podWith({ dnsPolicy: "ClusterFirst" }, "shop"))).config.searches.slice(0, 3)).toEqual(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]);
  });

  it("gives a hostNetwork pod with ClusterFirst the node's settings, and with ClusterFirstWithHostNet the cluster's", () => {
    expect(fileFor(podWith({ hostNetwork: true }))).toBe("search google.internal c.gce_project_id.internal\nnameserver 169.254.169.254\noptions timeout:2\n");
    expect(fileFor(podWith({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }))).toMatch(/^search default\.svc\.cluster\.local .*\nnameserver 10\.0\.0\.10\noptions ndots:5\n$/);
  });

  it("gives Default the node's resolv.conf", () => {
    expect(podDnsConfig(input(podWith({ dnsPolicy: "Default" }))).config).toEqual(node);
  });

  it("is the docs' dnsConfig example for None", () => {
    const pod = podWith({
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["192.0.2.1"], searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] },
    });
    expect(fileFor(pod)).toBe("search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n");
  });

  it("merges dnsConfig into ClusterFirst: nameservers and searches appended once, options overriding by name", () => {
    const pod = podWith({ dnsConfig: { nameservers: ["10.0.0.10", "192.0.2.2"], searches: ["cluster.local", "extra.example"], options: [{ name: "ndots", value: "1" }, { name: "single-request-reopen" }] } });
    const c = podDnsConfig(input(pod)).config;
    expect(c.nameservers).toEqual(["10.0.0.10", "192.0.2.2"]);
    expect(c.searches).toEqual(["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "google.internal", "c.gce_project_id.internal", "extra.example"]);
    expect(c.options).toEqual(["ndots:1", "single-request-reopen"]);
  });

  it("keeps 3 nameservers at most, with a DNSConfigForming warning", () => {
    const r = podDnsConfig(input(podWith({ dnsPolicy: "None", dnsConfig: { nameservers: ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"] } })));
    expect(r.config.nameservers).toEqual(["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
    expect(r.warnings).toMatchObject([{ reason: "DNSConfigForming", message: expect.stringContaining("Nameserver limits were exceeded") }]);
  });

  it("keeps 32 search domains at most, drops ones over 253 characters, and cuts the line to 2048 characters", () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const r32 = podDnsConfig(input(podWith({ dnsPolicy: "None", dnsConfig: { nameservers: ["192.0.2.1"], searches: many } })));
    expect(r32.config.searches).toEqual(many.slice(0, 32));
    expect(r32.warnings[0]).toMatchObject({ reason: "DNSConfigForming" });

    const long = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example`; // 251 characters
    const tooLong = `x${long}.y`;
    const r = podDnsConfig(input(podWith({ dnsPolicy: "None", dnsConfig: { searches: [tooLong, ...Array.from({ length: 10 }, (_, i) => `${i}${long.slice(1)}`)] } })));
    expect(r.config.searches).not.toContain(tooLong);
    expect(r.config.searches.join(" ").length).toBeLessThanOrEqual(2048);
    expect(r.config.searches).toHaveLength(8); // 8 names and 7 spaces = 2015 characters fit, 9 would be 2267
  });

  it("falls back to Default with a MissingClusterDNS warning when the node has no cluster DNS address", () => {
    const r = podDnsConfig(input(podWith({}), { clusterDNS: [] }));
    expect(r.config).toEqual(node);
    expect(r.warnings).toMatchObject([{ reason: "MissingClusterDNS" }]);
  });

  it("uses the local resolver when the node has no resolv.conf", () => {
    expect(podDnsConfig(input(podWith({ dnsPolicy: "Default" }), { host: undefined, nodeIPs: ["192.0.2.9"] })).config).toEqual({ nameservers: ["127.0.0.1"], searches: ["."], options: [] });
  });

  it("writes an empty file for None without settings", () => {
    expect(fileFor(podWith({ dnsPolicy: "None", dnsConfig: {} }))).toBe("");
  });
});
