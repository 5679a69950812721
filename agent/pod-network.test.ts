import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { Node, Service } from "../api/core";
import { FakeClient } from "../client/fake";
import { SharedInformers } from "../client/informer-factory";
import { nodes } from "../client/resources";
import { ensureDocker } from "../test/fixtures/docker";
import { eventually } from "../test/fixtures/wait";
import { defaultConfig } from "./config";
import { removePodNetworks } from "./network/teardown";
import { PodNetwork } from "./pod-network";
import type { Pod } from "./types";

// The pod network of one node on real Docker, its API server a FakeClient: pods wait
// (NetworkNotReady, saying why) until node IPAM gives the Node a podCIDR, then the bridge is made
// on it and containers get the Service variables and a resolv.conf naming its gateway.
const node = `pn-${process.pid}`;
const network = `kubelab-${node}`;
const rootDir = mkdtempSync(join(tmpdir(), "kubelab-podnet-"));
const svc = (ns: string, name: string, clusterIP: string): Service =>
  ({ apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec: { clusterIP, ports: [{ port: 443, protocol: "TCP" }] } }) as Service;
const pod = { metadata: { name: "p", namespace: "shop", uid: "uid-1" }, spec: { containers: [{ name: "c" }] } } as unknown as Pod;

describe("a node's pod network", () => {
  const networks: PodNetwork[] = [];
  const start = (podCIDR?: string) => {
    const client = new FakeClient(
      { apiVersion: "v1", kind: "Node", metadata: { name: node }, spec: {} } as Node,
      svc("default", "kubernetes", "10.96.0.1"),
      svc("shop", "cart", "10.96.0.7"),
    );
    // As the agent wires them: the shared caches started by their owner.
    const informers = new SharedInformers(client);
    informers.start(caches.signal);
    const net = new PodNetwork({ cfg: defaultConfig({ nodeName: node, network, rootDir, podCIDR }), docker: new Docker(), log: pino({ level: "silent" }), client, informers, retryMs: 20, dnsPort: 0 });
    networks.push(net);
    return { net, client, started: net.start() };
  };
  const caches = new AbortController();
  afterAll(async () => {
    await Promise.all(networks.map((n) => n.stop()));
    caches.abort();
    await removePodNetworks([node]);
    rmSync(rootDir, { recursive: true, force: true });
  });

  it("holds sandboxes back until the Node has a podCIDR, then makes the bridge on it", async () => {
    await ensureDocker();
    const { net, client } = start();
    const waiting = await eventually(() => {
      const s = net.sandboxNetwork();
      return "notReady" in s && s.notReady.includes("podCIDR") ? s.notReady : undefined;
    }, 10_000, "the reason sandboxes wait");
    expect(waiting).toBe("network is not ready: the Node has no spec.podCIDR yet (give the agent --pod-cidr, or the server --allocate-node-cidrs)");
    const early = await net.containerSetup(pod);
    expect(early.binds).toEqual([]);
    expect(early.env.get("CART_SERVICE_HOST")).toBe("10.96.0.7");
    expect(early.env.get("KUBERNETES_SERVICE_HOST")).toBe("10.96.0.1");

    const n = client.object<Node>(nodes, undefined, node)!;
    await client.update(nodes, undefined, { ...n, spec: { podCIDR: "10.253.7.0/24", podCIDRs: ["10.253.7.0/24"] } });
    await eventually(() => "network" in net.sandboxNetwork(), 10_000, "the bridge");
    expect(net.sandboxNetwork()).toEqual({ network });
    const inspect = (f: string) => execFileSync("docker", ["network", "inspect", network, "--format", f], { encoding: "utf8" }).trim();
    expect(inspect("{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}")).toBe("10.253.7.0/24 10.253.7.1");

    const ready = await net.containerSetup(pod);
    const file = join(rootDir, "pods", "uid-1", "resolv.conf");
    expect(ready.binds).toEqual([`${file}:/etc/resolv.conf:ro`]);
    expect(readFileSync(file, "utf8")).toMatch(/^search shop\.svc\.cluster\.local svc\.cluster\.local cluster\.local.*\nnameserver 10\.253\.7\.1\noptions ndots:5\n$/);
  });

  it("refuses to reuse the bridge for another pod CIDR, saying how to fix it", async () => {
    const { net, started } = start("10.253.8.0/24");
    await started; // with --pod-cidr the first attempt is awaited
    const why = await eventually(() => {
      const s = net.sandboxNetwork();
      return "notReady" in s && s.notReady.includes("has subnet") ? s.notReady : undefined;
    }, 10_000, "the subnet mismatch");
    expect(why).toContain(`Docker network "${network}" has subnet 10.253.7.0/24, but the node's pod CIDR is 10.253.8.0/24`);
  });
});
