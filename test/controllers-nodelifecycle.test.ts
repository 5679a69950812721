import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node } from "../api/core";
import { nodes as nodesRes } from "../client";
import type { HollowAgents } from "../agent/hollow";
import { eventually, isRunningReady, NGINX_DEPLOYMENT, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const GRACE_SECONDS = 3;
const TOLERATION_SECONDS = 3;

describe("a node that stops heartbeating", () => {
  let c: ControllerCluster;
  const agents = new Map<string, HollowAgents>();
  beforeAll(async () => {
    c = await startControllerCluster(
      { nodeMonitorGracePeriodSeconds: GRACE_SECONDS, defaultUnreachableTolerationSeconds: TOLERATION_SECONDS },
      ["--default-unreachable-toleration-seconds", String(TOLERATION_SECONDS)],
    );
    for (const [i, name] of ["worker-a", "worker-b", "worker-c"].entries()) {
      agents.set(name, await c.addNodes({ nodeName: name, firstIndex: i + 1, heartbeatIntervalMs: 500, nodeStatusIntervalMs: 1000 }));
    }
    await c.kubectl.ok(["apply", "-f", "-"], NGINX_DEPLOYMENT);
    await eventually(async () => (await c.pods()).filter(isRunningReady).length === 3, 30_000, "3 running pods");
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("is marked Unknown and tainted, and its pods move to the other nodes within grace + toleration", async () => {
    const victim = (await c.pods()).find(isRunningReady)!.spec!.nodeName!;
    const onVictim = (await c.pods()).filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!);
    const stoppedAt = Date.now();
    await agents.get(victim)!.stop();

    const node = await eventually(async () => {
      const n = await c.client.get<Node>(nodesRes, undefined, victim);
      return n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute") ? n : undefined;
    }, 20_000, "unreachable taint");
    const ready = node.status?.conditions?.find((x) => x.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(await c.kubectl.ok(["get", "node", victim])).toMatch(new RegExp(`${victim}\\s+NotReady`));

    await eventually(async () => {
      const pods = await c.pods();
      const running = pods.filter(isRunningReady);
      const evicted = onVictim.every((name) => pods.find((p) => p.metadata?.name === name)?.metadata?.deletionTimestamp || !pods.some((p) => p.metadata?.name === name));
      return evicted && running.length === 3 && running.every((p) => p.spec?.nodeName !== victim);
    }, 30_000, "pods replaced on the other nodes");
    const took = (Date.now() - stoppedAt) / 1000;
    // Not a timing target: a sanity bound that eviction waited for the toleration and was not lost.
    expect(took).toBeGreaterThanOrEqual(TOLERATION_SECONDS);
  }, 90_000);

  it("loses the taint when it heartbeats again", async () => {
    const stopped = await eventually(async () => {
      for (const name of agents.keys()) {
        const n = await c.client.get<Node>(nodesRes, undefined, name);
        if (n.spec?.taints?.length) return name;
      }
      return undefined;
    }, 5_000, "the tainted node");
    agents.set(stopped, await c.addNodes({ nodeName: stopped, firstIndex: 9, heartbeatIntervalMs: 500, nodeStatusIntervalMs: 500 }));
    await eventually(async () => {
      const n = await c.client.get<Node>(nodesRes, undefined, stopped);
      const ready = n.status?.conditions?.find((x) => x.type === "Ready");
      return ready?.status === "True" && !(n.spec?.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/"));
    }, 20_000, "node Ready and untainted");
  }, 60_000);
});
