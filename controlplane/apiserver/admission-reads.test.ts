// Admission reads a new pod's Namespace on every pod create (Registry.getShared parses each
// version of it once). On SQLite a change to the namespace counts from the next create on; on
// etcd admission reads the watch cache, as Kubernetes' plugins read informers, and etcd only for
// a namespace the cache has not seen yet: a create costs one etcd request, its own write.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { resourceTypes } from "../../api";
import { SqliteStore } from "../storage/sqlite";
import { EtcdStore } from "../storage/etcd";
import { etcdCalls, startEtcd } from "../../test/fixtures/etcd";
import { eventually } from "../../test/fixtures/wait";
import { KUBERNETES_POD_SECURITY } from "./admission/podsecurity";
import { startApiServer } from "./server";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("admission's reads of a pod's namespace", () => {
  it("judges each pod create by the namespace's labels as they are at that create", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-admission-reads-"));
    const store = new SqliteStore(join(dir, "state.db"));
    const api = await startApiServer({ store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }), podSecurity: KUBERNETES_POD_SECURITY });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => api.close());
    const json = { "Content-Type": "application/json" };
    const enforce = (level: string) =>
      fetch(`${api.url}/api/v1/namespaces/team`, {
        method: "PATCH",
        headers: { "Content-Type": "application/merge-patch+json" },
        body: JSON.stringify({ metadata: { labels: { "pod-security.kubernetes.io/enforce": level } } }),
      });
    const privilegedPod = async (name: string) => {
      const res = await fetch(`${api.url}/api/v1/namespaces/team/pods`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] } }),
      });
      return res.status;
    };
    expect((await fetch(`${api.url}/api/v1/namespaces`, { method: "POST", headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } }) })).status).toBe(201);
    expect(await privilegedPod("a")).toBe(201);
    expect((await enforce("baseline")).status).toBe(200);
    expect(await privilegedPod("b")).toBe(403);
    expect((await enforce("privileged")).status).toBe(200);
    expect(await privilegedPod("c")).toBe(201);
    expect((await enforce("baseline")).status).toBe(200);
    expect(await privilegedPod("d")).toBe(403);
  });
});

describe("admission's reads on etcd", () => {
  const json = { "Content-Type": "application/json" };
  const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: json, body: JSON.stringify(body) });
  const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "i" }] } });

  it("accepts a pod in a namespace made a moment ago, refuses one in a missing or terminating namespace, and reads etcd only to write", async () => {
    const etcd = await startEtcd();
    cleanups.push(() => etcd.destroy());
    const store = new EtcdStore({ endpoints: [etcd.endpoint] });
    const api = await startApiServer({ store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }) });
    cleanups.push(() => store.close(), () => api.close());
    // A namespace the watch cache has not seen yet: looked up in etcd, not refused.
    for (let i = 0; i < 5; i++) {
      expect((await post(`${api.url}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: `team-${i}` } })).status).toBe(201);
      expect((await post(`${api.url}/api/v1/namespaces/team-${i}/pods`, pod("first"))).status).toBe(201);
    }
    const missing = await post(`${api.url}/api/v1/namespaces/nowhere/pods`, pod("p"));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe('namespaces "nowhere" not found');

    // Once the cache knows the namespace, a create is one etcd call: its transaction.
    const before = await etcdCalls(etcd.endpoint);
    for (let i = 0; i < 20; i++) expect((await post(`${api.url}/api/v1/namespaces/team-0/pods`, pod(`p-${i}`))).status).toBe(201);
    const after = await etcdCalls(etcd.endpoint);
    expect({ Txn: after.Txn! - before.Txn!, Range: (after.Range ?? 0) - (before.Range ?? 0) }).toEqual({ Txn: 20, Range: 0 });

    // A namespace being deleted takes no new content once its deletion reached the cache.
    expect((await fetch(`${api.url}/api/v1/namespaces/team-1`, { method: "DELETE" })).status).toBe(200);
    // (A create in the milliseconds before the watch event arrives is let in: each try has its own name.)
    let refused: { status: number; message: string } | undefined;
    let tries = 0;
    await eventually(async () => {
      const res = await post(`${api.url}/api/v1/namespaces/team-1/pods`, pod(`late-${++tries}`));
      refused = { status: res.status, message: ((await res.json()) as { message: string }).message };
      return res.status !== 201;
    }, 5000, "creates in the terminating namespace refused");
    expect(refused).toEqual({ status: 403, message: `pods "late-${tries}" is forbidden: unable to create new content in namespace team-1 because it is being terminated` });
  });
});
