import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplicaSet } from "../api/apps";
import { replicasets as rsRes } from "../client";
import { eventually, isRunningReady, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const SLOW_ROLLOUT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 6
  minReadySeconds: 1
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.14.2
`;

describe("killing the server mid-rollout", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "worker", count: 3, firstIndex: 1 });
    await c.kubectl.ok(["apply", "-f", "-"], SLOW_ROLLOUT);
    await eventually(async () => (await c.kubectl.run(["rollout", "status", "deployment/web", "--timeout=5s"])).code === 0, 60_000, "first rollout");
  }, 90_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("finishes the rollout after a restart without duplicate pods", async () => {
    await c.kubectl.ok(["set", "image", "deployment/web", "web=nginx:1.16.1"]);
    await eventually(async () => {
      const rss = (await c.client.list<ReplicaSet>(rsRes, "default")).items;
      const fresh = rss.find((rs) => rs.spec.template?.spec?.containers[0]?.image === "nginx:1.16.1");
      return (fresh?.status?.readyReplicas ?? 0) >= 2;
    }, 30_000, "rollout under way");

    await c.server.kill("SIGKILL");
    await c.stopControllers();
    await c.server.restart();
    await c.startControllers();

    const status = await c.kubectl.run(["rollout", "status", "deployment/web", "--timeout=90s"]);
    expect(status.code, status.stderr).toBe(0);
    await eventually(async () => (await c.pods()).every((p) => !p.metadata?.deletionTimestamp), 20_000, "old pods gone");
    const pods = await c.pods();
    expect(pods).toHaveLength(6);
    expect(pods.filter(isRunningReady).map((p) => p.spec?.containers[0]?.image)).toEqual(Array(6).fill("nginx:1.16.1"));
    const rss = (await c.client.list<ReplicaSet>(rsRes, "default")).items;
    expect(rss).toHaveLength(2);
    expect(rss.map((rs) => rs.spec.replicas).sort()).toEqual([0, 6]);
  }, 150_000);
});
