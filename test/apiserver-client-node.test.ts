// The official @kubernetes/client-node as a real peer of the API server: CRUD, list, and an
// informer that sees adds, updates and deletes.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

let server: TestServer;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
});
afterAll(async () => {
  await server?.stop();
});

const deployment = (name: string, replicas: number): k8s.V1Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "kubelab/web:1" }] } },
  },
});

describe("@kubernetes/client-node", () => {
  it("creates, reads, lists, replaces and deletes", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: "default", body: deployment("web", 2) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.strategy?.rollingUpdate?.maxSurge).toBe("25%");
    const read = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    expect(read.spec?.replicas).toBe(2);
    read.spec!.replicas = 4;
    const replaced = await apps.replaceNamespacedDeployment({ name: "web", namespace: "default", body: read });
    expect(replaced.spec?.replicas).toBe(4);
    expect(replaced.metadata?.generation).toBe(2);
    const list = await apps.listNamespacedDeployment({ namespace: "default", labelSelector: "app=web" });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["web"]);
    await apps.deleteNamespacedDeployment({ name: "web", namespace: "default" });
    await expect(apps.readNamespacedDeployment({ name: "web", namespace: "default" })).rejects.toMatchObject({ code: 404 });
  });

  it("feeds an informer with adds, updates and deletes", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/configmaps", () =>
      core.listNamespacedConfigMap({ namespace: "default" }),
    );
    const seen: string[] = [];
    informer.on("add", (o: k8s.V1ConfigMap) => seen.push(`add ${o.metadata?.name}`));
    informer.on("update", (o: k8s.V1ConfigMap) => seen.push(`update ${o.metadata?.name} ${o.data?.k}`));
    informer.on("delete", (o: k8s.V1ConfigMap) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "watched" }, data: { k: "1" } } });
      await core.patchNamespacedConfigMap(
        { name: "watched", namespace: "default", body: { data: { k: "2" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: "watched", namespace: "default" });
      await eventually(() => seen.length >= 3, 10_000, "the informer to see add, update and delete").catch(() => undefined);
      expect(seen).toEqual(["add watched", "update watched 2", "delete watched"]);
    } finally {
      await informer.stop();
    }
  });
});
