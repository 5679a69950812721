// Three `kubelab server` processes started at the same instant on one empty etcd (as GCE's masters
// start): each runs the bootstrap (namespaces, RBAC roles and bindings, the default StorageClass,
// the kubernetes Service) against the others' writes, and every one comes up ready; the defaults
// exist once, each role with its rules once (no rule appended twice by two servers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../controlplane/apiserver/bootstrap/rbac-policy";
import { startEtcd, type Etcd } from "./fixtures/etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

let etcd: Etcd;
let servers: TestServer[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await etcd?.destroy();
});

type Named = { metadata: { name: string }; rules?: unknown[]; subjects?: unknown[] };

describe("servers started together on an empty etcd", () => {
  it("all come up ready, with the default roles, bindings and objects made once", async () => {
    const started = await Promise.allSettled(
      [0, 1, 2].map(() => startTestServer({ args: ["--store", "etcd", "--etcd-endpoints", etcd.endpoint, "--disable-controllers", "all"] })),
    );
    servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(started.map((r) => (r.status === "rejected" ? String(r.reason).slice(0, 2000) : "ready"))).toEqual(["ready", "ready", "ready"]);

    for (const s of servers) {
      const kubectl = kubectlFor(s.kubeconfig);
      expect(await kubectl.ok(["get", "--raw", "/readyz"])).toBe("ok");
    }
    const kubectl = kubectlFor(servers[1]!.kubeconfig);
    const roles = (JSON.parse(await kubectl.ok(["get", "clusterroles", "-o", "json"])) as { items: Named[] }).items;
    const names = roles.map((r) => r.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    for (const want of bootstrapClusterRoles()) {
      const got = roles.find((r) => r.metadata.name === want.metadata.name);
      expect(got, want.metadata.name).toBeDefined();
      const rules = (got!.rules ?? []).map((r) => JSON.stringify(r));
      expect(new Set(rules).size, `${want.metadata.name}: a rule twice`).toBe(rules.length);
    }
    const bindings = (JSON.parse(await kubectl.ok(["get", "clusterrolebindings", "-o", "json"])) as { items: Named[] }).items;
    for (const want of bootstrapClusterRoleBindings()) {
      const got = bindings.find((b) => b.metadata.name === want.metadata.name);
      expect(got, want.metadata.name).toBeDefined();
      const subjects = (got!.subjects ?? []).map((s) => JSON.stringify(s));
      expect(new Set(subjects).size, `${want.metadata.name}: a subject twice`).toBe(subjects.length);
    }
    expect(await kubectl.ok(["get", "namespaces", "-o", "name"])).toContain("namespace/kube-system");
    expect((await kubectl.ok(["get", "storageclass", "-o", "name"])).trim()).toBe("storageclass.storage.k8s.io/local-path");
    expect(await kubectl.ok(["get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}"])).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
