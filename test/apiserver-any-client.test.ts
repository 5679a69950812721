// Issue 13 "any client works": what a client other than kubectl trips on. Every 404 is a Status
// with details (kubectl panics on one without), query booleans as Go's ParseBool reads them,
// created objects carry the status Go always serializes, a PUT body may leave out its namespace.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
});
afterAll(async () => {
  await server?.stop();
});

async function send(method: string, path: string, body?: object) {
  const res = await fetch(server.url + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith("{") ? JSON.parse(text) : undefined, text, type: res.headers.get("content-type") };
}

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "kubelab/web:1" }] } } },
});

describe("404s", () => {
  it("are a Status with details, for a missing object and for a path no route serves", async () => {
    const missing = await send("GET", "/apis/apps/v1/namespaces/default/deployments/nope");
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: "Status", reason: "NotFound", message: 'deployments.apps "nope" not found', details: { name: "nope", group: "apps", kind: "deployments" } });
    for (const path of ["/api/v1/namespaces/default/pods/x/nosuchsubresource", "/api/v1/nosuchresources", "/apis/nosuch.example.com/v1", "/openapi/v3/apis/nosuch/v1"]) {
      const r = await send("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.json, path).toMatchObject({ kind: "Status", reason: "NotFound", message: "the server could not find the requested resource", details: {} });
    }
  });

  it("never make kubectl panic", async () => {
    await send("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "dbg" }, spec: { containers: [{ name: "c", image: "kubelab/busybox" }] } });
    const debug = await kubectl.run(["debug", "dbg", "--image=kubelab/busybox", "--target=c"]);
    expect(debug.stderr).not.toMatch(/panic|nil pointer/);
    const raw = await kubectl.run(["get", "--raw", "/api/v1/namespaces/default/pods/dbg/nosuch"]);
    expect(raw.code).not.toBe(0);
    expect(raw.stderr).toContain("Error from server (NotFound): the server could not find the requested resource");
  });
});

describe("query parameters", () => {
  it("read booleans as strconv.ParseBool does: watch=True starts a watch", async () => {
    await send("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" } });
    const watches = ["True", "1", "t", "T", "TRUE", "true"].map(async (v) => {
      const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=${v}&timeoutSeconds=1`);
      const first = JSON.parse((await res.text()).split("\n")[0]);
      return { v, status: res.status, type: first.type, name: first.object?.metadata?.name };
    });
    for (const w of await Promise.all(watches)) expect(w, w.v).toMatchObject({ status: 200, type: "ADDED", name: "watched" });
    const list = await send("GET", "/api/v1/namespaces/default/configmaps?watch=False");
    expect(list.json.kind).toBe("ConfigMapList");
  });

  it("answer junk with 400", async () => {
    for (const q of ["watch=yes", "limit=abc", "limit=1.5", "limit=-1", "timeoutSeconds=1e3", "allowWatchBookmarks=on"]) {
      const r = await send("GET", `/api/v1/namespaces/default/configmaps?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json, q).toMatchObject({ kind: "Status", reason: "BadRequest" });
    }
  });
});

describe("objects as Go serializes them", () => {
  it("a just-created Deployment has status {} and a ReplicaSet status.replicas 0; a ConfigMap has none", async () => {
    const created = await send("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("fresh"));
    expect(created.status).toBe(201);
    expect(created.json.status).toEqual({});
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: "fresh", namespace: "default" });
    expect(d.status).toEqual({});
    expect(d.status!.availableReplicas ?? 0).toBe(0);
    const rs = await send("POST", "/apis/apps/v1/namespaces/default/replicasets", { ...deployment("fresh-rs"), kind: "ReplicaSet" });
    expect(rs.json.status).toEqual({ replicas: 0 });
    const cm = await send("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plain" } });
    expect(cm.json.status).toBeUndefined();
    expect(JSON.parse(await kubectl.ok(["get", "deploy", "fresh", "-o", "json"])).status).toEqual({});
  });

  it("a PUT body without metadata.namespace takes the request's namespace", async () => {
    await send("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "put-me" }, data: { a: "1" } });
    const got = (await send("GET", "/api/v1/namespaces/default/configmaps/put-me")).json;
    delete got.metadata.namespace;
    got.data = { a: "2" };
    const put = await send("PUT", "/api/v1/namespaces/default/configmaps/put-me", got);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ metadata: { namespace: "default" }, data: { a: "2" } });
    const elsewhere = await send("PUT", "/api/v1/namespaces/default/configmaps/put-me", { ...got, metadata: { ...got.metadata, namespace: "other" } });
    expect(elsewhere.status).toBe(400);
  });
});

describe("/openapi/v2", () => {
  it("is served, so kubectl apply of a kind the server lacks says what Kubernetes says", async () => {
    const json = await send("GET", "/openapi/v2");
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({ swagger: "2.0", info: { title: "Kubernetes" } });
    const manifest = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
    const r = await kubectl.run(["apply", "-f", "-"], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no matches for kind "Widget" in version "example.com/v1"');
    expect(r.stderr).not.toContain("openapi");
  });
});
