// The kubernetes Service in default: made by the API server at start (10.96.0.1, 443 "https" to
// the server's port), with Endpoints and an EndpointSlice listing the API servers; put back when
// someone deletes or edits it; every API server on one store adds itself.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resourceTypes } from "../api";
import { startApiServer, type ApiServer } from "../controlplane/apiserver/server";
import { writeKubeconfig } from "../controlplane/kubeconfig";
import { EtcdStore } from "../controlplane/storage/etcd";
import { SqliteStore } from "../controlplane/storage/sqlite";
import type { Store } from "../controlplane/storage/store";
import { startEtcd, type Etcd } from "./fixtures/etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const portOf = (url: string) => Number(new URL(url).port);

describe("the kubernetes Service of kubelab server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ args: ["--disable-controllers", "all"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("shows in kubectl get svc, endpoints and endpointslices as on Kubernetes", async () => {
    const kubectl = kubectlFor(server.kubeconfig);
    const port = portOf(server.url);
    const svc = await eventually(() => kubectl.ok(["get", "svc", "kubernetes"]), 15_000, "the kubernetes Service");
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nkubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\S+\n$/);
    const ep = await eventually(() => kubectl.ok(["get", "endpoints", "kubernetes"]), 15_000, "its Endpoints");
    expect(ep).toMatch(new RegExp(`\\nkubernetes\\s+127\\.0\\.0\\.1:${port}\\s+\\S+\\n$`));
    const slice = await eventually(() => kubectl.ok(["get", "endpointslice", "kubernetes"]), 15_000, "its EndpointSlice");
    expect(slice).toMatch(new RegExp(`\\nkubernetes\\s+IPv4\\s+${port}\\s+127\\.0\\.0\\.1\\s+\\S+\\n$`));
    const yaml = await kubectl.ok(["get", "svc", "kubernetes", "-o", "jsonpath={.spec.ports[0].name} {.spec.ports[0].targetPort} {.metadata.labels.component}"]);
    expect(yaml).toBe(`https ${port} apiserver`);
  });
});

describe("the kubernetes Service reconciled", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(store: Store): Promise<{ api: ApiServer; kubectl: ReturnType<typeof kubectlFor> }> {
    const api = await startApiServer({
      store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }), kubernetesServiceIntervalMs: 100,
    });
    const dir = mkdtempSync(join(tmpdir(), "kubelab-kubernetes-svc-"));
    writeKubeconfig(join(dir, "kubeconfig"), { server: api.url });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => api.close());
    return { api, kubectl: kubectlFor(join(dir, "kubeconfig")) };
  }

  function sqlite(): Store {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-kubernetes-svc-db-"));
    const store = new SqliteStore(join(dir, "state.db"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
    return store;
  }

  const jsonpath = (kubectl: ReturnType<typeof kubectlFor>, what: string, path: string) =>
    kubectl.run(["get", what, "-o", `jsonpath=${path}`]).then((r) => (r.code === 0 ? r.stdout : undefined));

  it("puts the Service and its endpoints back when they are deleted or edited", async () => {
    const { api, kubectl } = await start(sqlite());
    const port = portOf(api.url);
    const ports = () => jsonpath(kubectl, "svc/kubernetes", "{.spec.clusterIP} {.spec.ports[0].name}:{.spec.ports[0].port}");
    await eventually(async () => (await ports()) === "10.96.0.1 https:443", 10_000, "the kubernetes Service");
    await kubectl.ok(["delete", "svc", "kubernetes"]);
    await eventually(async () => (await ports()) === "10.96.0.1 https:443", 10_000, "the Service recreated with its address");
    await kubectl.ok(["patch", "svc", "kubernetes", "--type=json", "-p", '[{"op":"replace","path":"/spec/ports","value":[{"name":"web","port":80}]}]']);
    await eventually(async () => (await ports()) === "10.96.0.1 https:443", 10_000, "the port put back");
    const addresses = () => jsonpath(kubectl, "endpoints/kubernetes", "{.subsets[*].addresses[*].ip}:{.subsets[*].ports[*].port}");
    await eventually(async () => (await addresses()) === `127.0.0.1:${port}`, 10_000, "the Endpoints");
    await kubectl.ok(["patch", "endpoints", "kubernetes", "--type=merge", "-p", '{"subsets":[]}']);
    await eventually(async () => (await addresses()) === `127.0.0.1:${port}`, 10_000, "the address put back");
    await kubectl.ok(["delete", "endpointslice", "kubernetes"]);
    await eventually(async () => (await jsonpath(kubectl, "endpointslice/kubernetes", "{.endpoints[*].addresses[0]}")) === "127.0.0.1", 10_000, "the slice back");
  });

  describe("with two API servers on one etcd", () => {
    let etcd: Etcd;
    beforeAll(async () => {
      etcd = await startEtcd();
    });
    afterAll(async () => {
      await etcd?.destroy();
    });

    it("lists both in the Endpoints", async () => {
      const stores = [new EtcdStore({ endpoints: [etcd.endpoint] }), new EtcdStore({ endpoints: [etcd.endpoint] })];
      cleanups.push(() => Promise.all(stores.map((s) => s.close())));
      const [a, b] = [await start(stores[0]!), await start(stores[1]!)];
      const want = [portOf(a.api.url), portOf(b.api.url)].sort((x, y) => x - y).join(" ");
      const listed = () => jsonpath(b.kubectl, "endpoints/kubernetes", "{.subsets[*].ports[0].port}");
      await eventually(async () => (await listed()) === want, 15_000, "both servers listed");
    });
  });
});
