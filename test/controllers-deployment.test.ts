import type { Pod } from "../api/core";
import { Informer, pods as podsRes } from "../client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consistently, eventually, isRunningReady, NGINX_DEPLOYMENT, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

describe("a Deployment on hollow nodes", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "worker", count: 3, firstIndex: 1 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("runs 3 replicas, one per node, listed as in the seed", async () => {
    await c.kubectl.ok(["apply", "-f", "-"], NGINX_DEPLOYMENT);
    const pods = await eventually(async () => {
      const running = (await c.pods()).filter(isRunningReady);
      return running.length === 3 ? running : undefined;
    }, 30_000, "3 running pods");
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);

    // The ReplicaSet's status follows the pods' readiness a moment later.
    const rsRow = /\nnginx-deployment-[bcdfghjklmnpqrstvwxz2456789]{1,10}\s+3\s+3\s+3\s+\S+\n/;
    const rs = await eventually(async () => {
      const out = await c.kubectl.ok(["get", "rs"]);
      return rsRow.test(out) ? out : undefined;
    }, 15_000, "the ReplicaSet listed 3 3 3");
    expect(rs).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\n/);
    const listing = await c.kubectl.ok(["get", "pods"]);
    const rows = listing.trim().split("\n").slice(1);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^nginx-deployment-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+$/);
    await eventually(async () => (await c.kubectl.ok(["get", "deployment", "nginx-deployment"])).match(/nginx-deployment\s+3\/3\s+3\s+3\s/), 15_000, "deployment 3/3");
  }, 60_000);

  it("counts every controller's reconciles in the registry the controller manager was given", async () => {
    const text = await c.metrics.metrics();
    for (const name of ["replicaset", "deployment", "nodelifecycle", "garbagecollector"]) {
      expect(text).toMatch(new RegExp(`controller_runtime_reconcile_total\\{[^}]*controller="${name}"[^}]*\\} [1-9]`));
    }
    expect(text).toMatch(/workqueue_depth\{[^}]*name="replicaset"[^}]*\} \d+/);
  });

  it("replaces a pod deleted by hand", async () => {
    const before = (await c.pods()).filter(isRunningReady);
    const victim = before[0]!.metadata!.name!;
    await c.kubectl.ok(["delete", "pod", victim, "--wait=false"]);
    await eventually(async () => {
      const now = (await c.pods()).filter(isRunningReady);
      return now.length === 3 && !now.some((p) => p.metadata?.name === victim);
    }, 30_000, "a replacement pod");
  }, 60_000);
});

describe("kubectl set image / rollout on hollow nodes", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "worker", count: 3, firstIndex: 1 });
    await c.kubectl.ok(["apply", "-f", "-"], NGINX_DEPLOYMENT);
    await eventually(async () => (await c.pods()).filter(isRunningReady).length === 3, 30_000, "3 running pods");
    await eventually(async () => (await c.kubectl.run(["rollout", "status", "deployment/nginx-deployment", "--timeout=5s"])).code === 0, 30_000, "first rollout");
  }, 90_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("rolls within maxSurge/maxUnavailable, ends with the old ReplicaSet at 0 and the new at 3", async () => {
    const firstRS = (await c.kubectl.ok(["get", "rs", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    // Watch every pod change and check the bounds at each step: 3 replicas, 25% -> surge 1, unavailable 0.
    let maxPods = 0;
    let minReady = Infinity;
    const watch = new Informer<Pod>({ client: c.client, resource: podsRes, namespace: "default" });
    let synced = false;
    const check = () => {
      if (!synced) return;
      const live = watch.list().filter((p) => !p.metadata?.deletionTimestamp);
      maxPods = Math.max(maxPods, live.length);
      minReady = Math.min(minReady, live.filter(isRunningReady).length);
    };
    watch.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    const stopWatch = new AbortController();
    watch.start(stopWatch.signal);
    await watch.waitForSync();
    synced = true;
    check();

    await c.kubectl.ok(["set", "image", "deployment/nginx-deployment", "nginx=nginx:1.16.1"]);
    const status = await c.kubectl.run(["rollout", "status", "deployment/nginx-deployment", "--timeout=60s"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('deployment "nginx-deployment" successfully rolled out');
    // Nothing overshoots after the rollout reports done either.
    await consistently(() => maxPods <= 4 && minReady >= 3, 500, "at most 4 pods and at least 3 ready");
    stopWatch.abort();
    expect(maxPods).toBeLessThanOrEqual(4);
    expect(minReady).toBeGreaterThanOrEqual(3);

    const rs = await c.kubectl.ok(["get", "rs", "--no-headers"]);
    const rows = rs.trim().split("\n").map((l) => l.split(/\s+/));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r[0] === firstRS)?.slice(1, 4)).toEqual(["0", "0", "0"]);
    expect(rows.find((r) => r[0] !== firstRS)?.slice(1, 4)).toEqual(["3", "3", "3"]);
    const images = (await c.pods()).filter(isRunningReady).map((p) => p.spec?.containers[0]?.image);
    expect(images).toEqual(["nginx:1.16.1", "nginx:1.16.1", "nginx:1.16.1"]);
  }, 90_000);

  it("rollout history lists both revisions and rollout undo brings the old template back on its old ReplicaSet", async () => {
    const history = await c.kubectl.ok(["rollout", "history", "deployment/nginx-deployment"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const rsBefore = (await c.kubectl.ok(["get", "rs", "--no-headers", "-o", "custom-columns=NAME:.metadata.name"])).trim().split("\n").sort();

    await c.kubectl.ok(["rollout", "undo", "deployment/nginx-deployment"]);
    const status = await c.kubectl.run(["rollout", "status", "deployment/nginx-deployment", "--timeout=60s"]);
    expect(status.code, status.stderr).toBe(0);
    const rsAfter = (await c.kubectl.ok(["get", "rs", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,DESIRED:.spec.replicas,REV:.metadata.annotations.deployment\\.kubernetes\\.io/revision"])).trim();
    expect(rsAfter.split("\n").map((l) => l.split(/\s+/)[0]).sort()).toEqual(rsBefore);
    const byRev = new Map(rsAfter.split("\n").map((l) => l.split(/\s+/)).map(([name, desired, rev]) => [rev, { name, desired }]));
    expect(byRev.get("3")?.desired).toBe("3");
    expect(byRev.get("2")?.desired).toBe("0");
    const images = (await c.pods()).filter(isRunningReady).map((p) => p.spec?.containers[0]?.image);
    expect(images).toEqual(["nginx:1.14.2", "nginx:1.14.2", "nginx:1.14.2"]);
    const history2 = await c.kubectl.ok(["rollout", "history", "deployment/nginx-deployment"]);
    expect(history2).toMatch(/\n2\s+<none>\n3\s+<none>/);
  }, 90_000);

  it("scale and pause/resume work through kubectl", async () => {
    await c.kubectl.ok(["scale", "deployment/nginx-deployment", "--replicas=5"]);
    await eventually(async () => (await c.pods()).filter(isRunningReady).length === 5, 30_000, "5 pods");
    await c.kubectl.ok(["rollout", "pause", "deployment/nginx-deployment"]);
    await c.kubectl.ok(["set", "image", "deployment/nginx-deployment", "nginx=nginx:1.17"]);
    await consistently(async () => !(await c.pods()).some((p) => p.spec?.containers[0]?.image === "nginx:1.17"), 1500, "no nginx:1.17 pod while paused");
    await c.kubectl.ok(["rollout", "resume", "deployment/nginx-deployment"]);
    const status = await c.kubectl.run(["rollout", "status", "deployment/nginx-deployment", "--timeout=60s"]);
    expect(status.code, status.stderr).toBe(0);
    await eventually(async () => {
      const images = (await c.pods()).filter(isRunningReady).map((p) => p.spec?.containers[0]?.image);
      return images.length === 5 && images.every((i) => i === "nginx:1.17");
    }, 30_000, "5 pods of nginx:1.17");
  }, 90_000);
});
