import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplicaSet } from "../api/apps";
import { replicasets as rsRes } from "../client";
import { consistently, eventually, isRunningReady, NGINX_DEPLOYMENT, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const deployment = (name: string, replicas = 2) =>
  NGINX_DEPLOYMENT.replaceAll("nginx-deployment", name).replace("replicas: 3", `replicas: ${replicas}`).replaceAll("app: nginx", `app: ${name}`);

describe("garbage collection, namespaces and endpoints", () => {
  let c: ControllerCluster;
  const rsCount = async (ns = "default") => (await c.client.list<ReplicaSet>(rsRes, ns)).items.length;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "worker", count: 3, firstIndex: 1 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const deploy = async (name: string, ns = "default") => {
    await c.kubectl.ok(["apply", "-n", ns, "-f", "-"], deployment(name));
    await eventually(async () => (await c.pods(ns)).filter((p) => p.metadata?.labels?.app === name && isRunningReady(p)).length === 2, 30_000, `${name} running`);
  };

  it("kubectl delete deployment removes its ReplicaSets and pods (background)", async () => {
    await deploy("bg");
    await c.kubectl.ok(["delete", "deployment", "bg"]);
    await eventually(async () => (await rsCount()) === 0 && (await c.pods()).length === 0, 30_000, "ReplicaSet and pods gone");
  }, 60_000);

  it("foreground deletion keeps the Deployment until its dependents are gone", async () => {
    await deploy("fg");
    const out = await c.kubectl.run(["delete", "deployment", "fg", "--cascade=foreground", "--timeout=30s"]);
    expect(out.code, out.stderr).toBe(0);
    expect(await rsCount()).toBe(0);
    expect((await c.pods()).filter((p) => !p.metadata?.deletionTimestamp)).toHaveLength(0);
    expect((await c.kubectl.run(["get", "deployment", "fg"])).stderr).toContain("NotFound");
  }, 60_000);

  it("orphan deletion leaves the ReplicaSet and pods, without owner", async () => {
    await deploy("orph");
    await c.kubectl.ok(["delete", "deployment", "orph", "--cascade=orphan"]);
    await eventually(async () => (await c.kubectl.run(["get", "deployment", "orph"])).code !== 0, 20_000, "deployment gone");
    const rss = (await c.client.list<ReplicaSet>(rsRes, "default")).items;
    expect(rss).toHaveLength(1);
    expect(rss[0]!.metadata.ownerReferences ?? []).toHaveLength(0);
    await consistently(async () => (await c.pods()).filter(isRunningReady).length === 2, 1000, "the orphaned pods keep running");
    await c.kubectl.ok(["delete", "rs", rss[0]!.metadata.name!]);
    await eventually(async () => (await c.pods()).length === 0, 30_000, "orphaned pods deleted with their ReplicaSet");
  }, 60_000);

  it("a Service gets Endpoints with its ready pods", async () => {
    await deploy("web");
    await c.kubectl.ok(["expose", "deployment", "web", "--port", "8080", "--target-port", "80"]);
    const out = await eventually(async () => {
      const o = await c.kubectl.ok(["get", "endpoints", "web"]);
      return /web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/.test(o) ? o : undefined;
    }, 20_000, "2 endpoints");
    expect(out).toMatch(/^NAME\s+ENDPOINTS\s+AGE\n/);
    await c.kubectl.ok(["scale", "deployment/web", "--replicas=1"]);
    await eventually(async () => /web\s+10\.244\.\d+\.\d+:80\s/.test(await c.kubectl.ok(["get", "endpoints", "web"])), 20_000, "1 endpoint");
  }, 60_000);

  it("deleting a namespace deletes everything in it, then the namespace", async () => {
    await c.kubectl.ok(["create", "namespace", "team"]);
    await deploy("app", "team");
    await c.kubectl.ok(["create", "configmap", "settings", "-n", "team", "--from-literal=a=b"]);
    const out = await c.kubectl.run(["delete", "namespace", "team", "--timeout=60s"]);
    expect(out.code, out.stderr).toBe(0);
    expect((await c.kubectl.run(["get", "namespace", "team"])).stderr).toContain("NotFound");
    expect(await rsCount("team")).toBe(0);
  }, 90_000);
});
