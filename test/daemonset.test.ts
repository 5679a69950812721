// DaemonSets on a real API server with the controllers and scheduler in-process and hollow nodes,
// driven by the real kubectl: one pod per node, new nodes get theirs, a rollout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../api/core";
import { eventually, isRunningReady, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const DS = (image: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels:
      app: node-agent
  template:
    metadata:
      labels:
        app: node-agent
    spec:
      containers:
      - name: agent
        image: ${image}
`;

describe("DaemonSet with kubectl", () => {
  let c: ControllerCluster;
  const agentPods = async () => (await c.pods()).filter((p: Pod) => p.metadata?.labels?.app === "node-agent" && !p.metadata?.deletionTimestamp);
  const nodesOf = (pods: Pod[]) => pods.map((p) => p.spec?.nodeName ?? "").sort();
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "dsw", count: 2 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("runs one pod per node, shows kubectl get ds's columns, follows a new node, rolls out, and takes its pods with it on foreground deletion", async () => {
    await c.kubectl.ok(["apply", "-f", "-"], DS("kubelab/web:1"));
    await eventually(async () => {
      const pods = await agentPods();
      return pods.length === 2 && pods.every(isRunningReady) && nodesOf(pods).join() === "dsw-0,dsw-1";
    }, 30_000, "one running pod on each of the two nodes");
    await c.kubectl.ok(["rollout", "status", "ds/node-agent", "--timeout=30s"]);
    const table = await c.kubectl.ok(["get", "ds", "node-agent"]);
    const [header, row] = table.trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
    expect(row!.split(/\s+/).slice(0, 7)).toEqual(["node-agent", "2", "2", "2", "2", "2", "<none>"]);

    await c.addNodes({ nodeNamePrefix: "dsx", count: 1 });
    await eventually(async () => nodesOf((await agentPods()).filter(isRunningReady)).join() === "dsw-0,dsw-1,dsx-0", 30_000, "the new node got its pod");

    // Sampled back to back while the rollout runs: maxUnavailable 1 of 3 leaves at least 2 ready pods.
    await c.kubectl.ok(["apply", "-f", "-"], DS("kubelab/web:2"));
    let done = false;
    const rollout = c.kubectl.ok(["rollout", "status", "ds/node-agent", "--timeout=45s"]).finally(() => (done = true));
    let fewestReady = 3;
    while (!done) fewestReady = Math.min(fewestReady, (await agentPods()).filter(isRunningReady).length);
    await rollout;
    expect(fewestReady).toBeGreaterThanOrEqual(2);
    const rolled = await agentPods();
    expect(rolled.map((p) => p.spec?.containers[0]?.image)).toEqual(["kubelab/web:2", "kubelab/web:2", "kubelab/web:2"]);
    expect(nodesOf(rolled)).toEqual(["dsw-0", "dsw-1", "dsx-0"]);

    // The default (background) deletion: the garbage collector then removes the pods it owned.
    const out = await c.kubectl.run(["delete", "ds", "node-agent", "--timeout=30s"]);
    expect(out.code, out.stderr).toBe(0);
    await eventually(async () => (await agentPods()).length === 0, 30_000, "the DaemonSet's pods gone");

  }, 120_000);

  it("is in discovery and explain, and refuses a selector that does not match the template with the field", async () => {
    expect(await c.kubectl.ok(["api-resources", "--api-group=apps"])).toMatch(/daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet/);
    expect(await c.kubectl.ok(["explain", "ds.spec.updateStrategy.rollingUpdate"])).toContain("maxSurge");
    const bad = await c.kubectl.run(["apply", "-f", "-"], DS("kubelab/web:1").replace("labels:\n        app: node-agent", "labels:\n        app: other"));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`');
  }, 30_000);
});
