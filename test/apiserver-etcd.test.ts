// HA: two API servers on one real etcd. What one writes, the other serves and streams; either can
// go away and the other keeps answering.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, type TestServer } from "./fixtures/server";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import { kubectlFor } from "./fixtures/kubectl";

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

describe("API servers on etcd", () => {
  it("serves through one server what kubectl wrote through the other, and streams it to watchers", async () => {
    const watch = await fetch(`${b.url}/api/v1/namespaces/default/pods?watch=true`);
    const reader = watch.body!.getReader();
    await kubectlFor(a.kubeconfig).ok(["create", "-f", join(REPO_ROOT, "examples/seed/nginx-pod.yaml")]);
    let text = "";
    while (!text.includes("\n")) text += Buffer.from((await reader.read()).value!).toString();
    await reader.cancel();
    const ev = JSON.parse(text.split("\n")[0]);
    expect(ev).toMatchObject({ type: "ADDED", object: { metadata: { name: "nginx" } } });
    const viaB = await kubectlFor(b.kubeconfig).ok(["get", "pod", "nginx", "-o", "jsonpath={.metadata.uid} {.spec.containers[0].image}"]);
    expect(viaB).toMatch(/^[0-9a-f-]{36} kubelab\/web:1$/);
  });

  it("gives both servers one resourceVersion sequence, so a stale write through either conflicts", async () => {
    const get = async (s: TestServer) => (await (await fetch(`${s.url}/api/v1/namespaces/default/pods/nginx`)).json()) as any;
    const seen = await get(a);
    const put = (s: TestServer, body: unknown) =>
      fetch(`${s.url}/api/v1/namespaces/default/pods/nginx`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await put(b, { ...seen, metadata: { ...seen.metadata, labels: { by: "b" } } })).status).toBe(200);
    const stale = await put(a, { ...seen, metadata: { ...seen.metadata, labels: { by: "a" } } });
    expect(stale.status).toBe(409);
    expect((await get(a)).metadata.labels).toEqual({ by: "b" });
  });

  it("keeps answering through the other server when one stops, and the data outlives both", async () => {
    await a.stop();
    expect((await kubectlFor(b.kubeconfig).ok(["get", "pods", "-o", "name"])).trim()).toBe("pod/nginx");
    await b.restart();
    expect((await kubectlFor(b.kubeconfig).ok(["get", "pods", "-o", "name"])).trim()).toBe("pod/nginx");
    expect(readFileSync(b.kubeconfig, "utf8")).toContain(b.url);
  });
});
