// Service cluster IPs and node ports come from bitmaps in the store updated by compare-and-swap:
// concurrent creates, through one server or two on one etcd, never share an address or a port;
// a requested one that is taken or out of range is a 422 naming the field; what a delete, a type
// change or a failed write gives back can be had again. Requested addresses and ports sit in the
// static bands (below 10.96.1.0 and 30086), which random allocation leaves alone while it can.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../controlplane/storage/sqlite";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const service = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { ports: [{ port: 80 }], ...spec },
});

async function post(server: TestServer, body: unknown): Promise<{ status: number; body: any }> {
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/namespaces/default/services`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    // 429 is the inflight limit asking to come back, as client-go does.
    if (res.status !== 429) return { status: res.status, body: await res.json() };
    await res.body?.cancel();
  }
}

const del = (server: TestServer, name: string) => fetch(`${server.url}/api/v1/namespaces/default/services/${name}`, { method: "DELETE" });

/** Creates n NodePort Services at once, spread over the servers; returns what they got. */
async function createConcurrently(servers: TestServer[], prefix: string, n: number) {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => post(servers[i % servers.length]!, service(`${prefix}-${i}`, { type: "NodePort" }))),
  );
  expect(results.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([]);
  const ips = results.map((r) => r.body.spec.clusterIP as string);
  const ports = results.map((r) => r.body.spec.ports[0].nodePort as number);
  return { ips, ports };
}

function expectDistinctInRange({ ips, ports }: { ips: string[]; ports: number[] }, n: number) {
  expect(new Set(ips).size).toBe(n);
  expect(new Set(ports).size).toBe(n);
  for (const ip of ips) expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
  for (const p of ports) expect(p >= 30000 && p <= 32767).toBe(true);
}

describe("Service allocation on one server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ args: ["--disable-controllers", "all"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("gives 200 concurrent NodePort creates 200 distinct cluster IPs and node ports, and the stored ones match", async () => {
    const got = await createConcurrently([server], "many", 200);
    expectDistinctInRange(got, 200);
    const list = (await (await fetch(`${server.url}/api/v1/namespaces/default/services`)).json()) as any;
    const stored = list.items.filter((s: any) => s.metadata.name.startsWith("many-"));
    expect(new Set(stored.map((s: any) => s.spec.clusterIP))).toEqual(new Set(got.ips));
    expect(new Set(stored.map((s: any) => s.spec.ports[0].nodePort))).toEqual(new Set(got.ports));
    // Kubernetes' allocator metrics say the same (the kubernetes Service holds one more IP).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const value = (re: RegExp) => Number(metrics.match(re)?.[1] ?? NaN);
    expect(value(/kube_apiserver_clusterip_allocator_allocated_ips\{cidr="10\.96\.0\.0\/16"\} (\d+)/)).toBeGreaterThanOrEqual(200);
    expect(value(/kube_apiserver_nodeport_allocator_allocated_ports (\d+)/)).toBe(200);
    expect(value(/kube_apiserver_nodeport_allocator_available_ports (\d+)/)).toBe(2768 - 200);
    expect(value(/kube_apiserver_nodeport_allocator_allocation_total\{scope="dynamic"\} (\d+)/)).toBe(200);
  });

  it("refuses a taken or out-of-range cluster IP or node port with a 422 naming the field, in Kubernetes' words", async () => {
    expect((await post(server, service("holder", { type: "NodePort", clusterIP: "10.96.0.5", ports: [{ port: 80, nodePort: 30080 }] }))).status).toBe(201);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ clusterIP: "10.96.0.5" }, "spec.clusterIPs", 'Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated'],
      [{ clusterIP: "10.97.0.5" }, "spec.clusterIPs", 'Invalid value: []string{"10.97.0.5"}: failed to allocate IP 10.97.0.5: the provided IP (10.97.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/16'],
      [{ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }, "spec.ports[0].nodePort", "Invalid value: 30080: provided port is already allocated"],
      [{ type: "NodePort", ports: [{ name: "a", port: 80 }, { name: "b", port: 81, nodePort: 8080 }] }, "spec.ports[1].nodePort", "Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"],
    ];
    for (const [spec, field, message] of cases) {
      const res = await post(server, service("refused", spec));
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ kind: "Status", reason: "Invalid", details: { causes: [{ field, message }] } });
      expect(res.body.message).toBe(`Service "refused" is invalid: ${field}: ${message}`);
    }
    // Nothing a refused create took stays taken: the cluster IP it got first is free again.
    const kubectl = kubectlFor(server.kubeconfig);
    const r = await kubectl.run(["create", "service", "nodeport", "again", "--tcp=80:80", "--node-port=30080"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Service "again" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  });

  it("gives back what a delete, a type change or a failed write held, so it can be asked for again", async () => {
    expect((await post(server, service("first", { type: "NodePort", clusterIP: "10.96.0.9", ports: [{ port: 80, nodePort: 30050 }] }))).status).toBe(201);
    expect((await del(server, "first")).status).toBe(200);
    expect((await post(server, service("second", { type: "NodePort", clusterIP: "10.96.0.9", ports: [{ port: 80, nodePort: 30050 }] }))).status).toBe(201);

    // NodePort -> ClusterIP drops and frees the node port.
    const patched = await fetch(`${server.url}/api/v1/namespaces/default/services/second`, {
      method: "PATCH",
      headers: { "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ spec: { type: "ClusterIP" } }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as any).spec.ports[0].nodePort).toBeUndefined();
    expect((await post(server, service("third", { type: "NodePort", ports: [{ port: 80, nodePort: 30050 }] }))).status).toBe(201);

    // A create that fails at the write (the name exists) leaves its requested IP and port free.
    const clash = await post(server, service("third", { type: "NodePort", clusterIP: "10.96.0.11", ports: [{ port: 80, nodePort: 30051 }] }));
    expect(clash.status).toBe(409);
    expect((await post(server, service("fourth", { type: "NodePort", clusterIP: "10.96.0.11", ports: [{ port: 80, nodePort: 30051 }] }))).status).toBe(201);

    // An update that moves a node port takes the new one and gives back the old one.
    const moved = await fetch(`${server.url}/api/v1/namespaces/default/services/fourth`, {
      method: "PATCH",
      headers: { "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ spec: { ports: [{ port: 80, nodePort: 30053 }] } }),
    });
    expect(moved.status).toBe(200);
    expect((await post(server, service("fifth", { type: "NodePort", ports: [{ port: 80, nodePort: 30053 }] }))).status).toBe(422);
    expect((await post(server, service("fifth", { type: "NodePort", ports: [{ port: 80, nodePort: 30051 }] }))).status).toBe(201);
  });

  it("allocates nothing for headless and ExternalName Services, and a dry run takes nothing", async () => {
    const headless = await post(server, service("headless", { clusterIP: "None" }));
    expect(headless.body.spec.clusterIP).toBe("None");
    const external = await post(server, { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "example.com" } });
    expect(external.status).toBe(201);
    expect(external.body.spec.clusterIP).toBeUndefined();
    const dry = await fetch(`${server.url}/api/v1/namespaces/default/services?dryRun=All`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(service("dry", { type: "NodePort", clusterIP: "10.96.0.12", ports: [{ port: 80, nodePort: 30052 }] })),
    });
    expect(dry.status).toBe(201);
    expect((await post(server, service("real", { type: "NodePort", clusterIP: "10.96.0.12", ports: [{ port: 80, nodePort: 30052 }] }))).status).toBe(201);
  });

  it("rebuilds lost bitmaps from the stored Services at start, before it serves", async () => {
    await server.kill("SIGTERM"); // stop() would remove the data dir
    const store = new SqliteStore(join(server.dataDir, "state.db"));
    for (const key of ["/registry/ranges/serviceips", "/registry/ranges/servicenodeports"]) await store.delete(key);
    await store.close();
    await server.restart();
    const refused = await post(server, service("after-restart", { type: "NodePort", clusterIP: "10.96.0.5", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(refused.status).toBe(422);
    const ok = await post(server, service("after-restart", { type: "NodePort" }));
    expect(ok.status).toBe(201);
  });
});

describe("Service allocation and namespace deletion", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The namespace controller deletes a namespace's Services one by one through the API.
    server = await startTestServer({ args: ["--disable-controllers", "scheduler,replicaset,deployment,nodelifecycle,gitsync"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("frees the addresses and ports of a deleted namespace's Services", async () => {
    const kubectl = kubectlFor(server.kubeconfig);
    await kubectl.ok(["create", "namespace", "doomed"]);
    const spec = { type: "NodePort", clusterIP: "10.96.0.30", ports: [{ port: 80, nodePort: 30070 }] };
    const created = await fetch(`${server.url}/api/v1/namespaces/doomed/services`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(service("inside", spec)),
    });
    expect(created.status).toBe(201);
    expect((await post(server, service("outside", spec))).status).toBe(422);
    await kubectl.ok(["delete", "namespace", "doomed", "--wait=false"]);
    const again = await eventually(async () => {
      const r = await post(server, service("outside", spec));
      return r.status === 201 && r;
    }, 30_000, "the namespace's address and port free again");
    expect(again.body.spec).toMatchObject({ clusterIP: "10.96.0.30", ports: [{ nodePort: 30070 }] });
  });
});

describe("Service allocation with two API servers on one etcd", () => {
  let ha: ServersOnEtcd;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    ha = await startServersOnEtcd(2);
    [a, b] = ha.servers as [TestServer, TestServer];
  });
  afterAll(async () => {
    await ha?.stop();
  });

  it("gives 200 concurrent creates through both servers 200 distinct cluster IPs and node ports", async () => {
    expectDistinctInRange(await createConcurrently([a, b], "ha", 200), 200);
  });

  it("refuses through one server what the other handed out, and frees through one what the other deleted", async () => {
    expect((await post(a, service("on-a", { type: "NodePort", clusterIP: "10.96.0.20", ports: [{ port: 80, nodePort: 30060 }] }))).status).toBe(201);
    const refused = await post(b, service("on-b", { type: "NodePort", clusterIP: "10.96.0.20", ports: [{ port: 80, nodePort: 30061 }] }));
    expect(refused.status).toBe(422);
    expect(refused.body.details.causes[0].field).toBe("spec.clusterIPs");
    expect((await del(a, "on-a")).status).toBe(200);
    expect((await post(b, service("on-b", { type: "NodePort", clusterIP: "10.96.0.20", ports: [{ port: 80, nodePort: 30060 }] }))).status).toBe(201);
    // Made through b, deleted through a (whose copy of the bitmap never saw it): freed all the same.
    expect((await del(a, "on-b")).status).toBe(200);
    expect((await post(a, service("on-a", { type: "NodePort", clusterIP: "10.96.0.20", ports: [{ port: 80, nodePort: 30060 }] }))).status).toBe(201);
  });
});
