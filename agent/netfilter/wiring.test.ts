// startKernelProxy against a real API server (with its EndpointSlice controller): a pod turning
// ready becomes a rule, a NetworkPolicy becomes a drop, the pod turning not-ready takes the rule
// away. The node's table lives in a network namespace of its own, with the pods on its bridge.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod, Service } from "../../api/core";
import { SharedInformers } from "../../client/informer-factory";
import { RestClient } from "../../client/rest";
import { pods as podsRes, services as servicesRes, type ResourceRef } from "../../client/resources";
import { startTestServer, type TestServer } from "../../test/fixtures/server";
import { eventually } from "../../test/fixtures/wait";
import { defaultConfig } from "../config";
import { startKernelProxy, type KernelProxy } from "./index";
import { NetnsHost } from "./netns-fixture";
import { nftCommand } from "./nft";
import { pod, policy } from "./testing";

const networkpolicies: ResourceRef = { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true };
const lab = new NetnsHost(`nbw${process.pid % 10000}`);
const NODE = `nbw-node-${process.pid}`;
let server: TestServer;
let client: RestClient;
let proxy: KernelProxy | undefined;
let informers: SharedInformers;
const caches = new AbortController();
let clusterIP = "";

async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
  const p = await client.get<Pod>(podsRes, "default", name);
  const status = ready ? "True" : "False";
  await client.updateStatus<Pod>(podsRes, "default", { ...p, status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status }, { type: "ContainersReady", status }] } });
}

beforeAll(async () => {
  // As on a worker: the proxy reads with the node's own credential (system:node:<name>).
  server = await startTestServer({ secure: true, args: ["--disable-controllers", "scheduler,nodelifecycle"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  await lab.start();
  await lab.addBridge("br7", "10.244.7.1/24");
  await lab.addPod("p1", "br7", "10.244.7.2", "10.244.7.1");
  await lab.addPod("p2", "br7", "10.244.7.3", "10.244.7.1");
  const kubeconfig = server.pki!.nodeKubeconfig(NODE);
  const cfg = defaultConfig({ nodeName: NODE, address: "192.0.2.1", podCIDR: "10.244.7.0/24", kubeconfig });
  const nodeClient = RestClient.fromKubeconfig(kubeconfig);
  // As the agent wires them: its shared caches, started by their owner.
  informers = new SharedInformers(nodeClient);
  informers.start(caches.signal);
  proxy = await startKernelProxy({ cfg, client: nodeClient, informers, log: pino({ level: "silent" }), nft: nftCommand(["ip", "netns", "exec", lab.host]) });
  const svc = await client.create<Service>(servicesRes, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } });
  clusterIP = svc.spec!.clusterIP!;
  for (const [name, ip] of [["p1", "10.244.7.2"], ["p2", "10.244.7.3"]] as const) {
    await client.create<Pod>(podsRes, "default", pod("default", name, ip, NODE, name === "p1" ? { app: "web" } : { app: "client" }, [{ name: "http", containerPort: 8080 }]));
  }
  await setReady("p2", "10.244.7.3", true);
}, 90_000);

afterAll(async () => {
  proxy?.stop();
  caches.abort();
  await lab.destroy();
  await server?.stop();
});

describe("the kernel proxy fed by a real API server", () => {
  it("starts (nft works here)", () => expect(proxy).toBeDefined());

  it("a pod turning ready gets its Service's traffic; a policy drops it; not ready refuses", async () => {
    const url = `http://${clusterIP}/`;
    expect((await lab.curl(lab.podNs("p2"), url, 1)).code).toBe(7); // no endpoint yet: refused
    await setReady("p1", "10.244.7.2", true);
    await eventually(async () => (await lab.curl(lab.podNs("p2"), url, 1)).body.startsWith("p1 10.244.7.3"), 20_000, "p1 answers the ClusterIP");
    await client.create(networkpolicies, "default", policy("default", "deny", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] }));
    await eventually(async () => (await lab.curl(lab.podNs("p2"), url, 0.5)).code === 28, 20_000, "the policy drops p2's connection");
    await client.delete(networkpolicies, "default", "deny");
    await eventually(async () => (await lab.curl(lab.podNs("p2"), url, 1)).code === 0, 20_000, "allowed again");
    await setReady("p1", "10.244.7.2", false);
    await eventually(async () => (await lab.curl(lab.podNs("p2"), url, 1)).code === 7, 20_000, "not ready: refused");
  });
});
