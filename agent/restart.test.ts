import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages } from "../test/fixtures/docker";
import { consistently } from "../test/fixtures/wait";
import { eventually, podManifest, startTestAgent, type TestAgent } from "./testing";

function containers(nodeName: string): Map<string, string> {
  const out = execFileSync("docker", ["ps", "-a", "--filter", `label=io.kubelab.node=${nodeName}`, "--format", "{{.Names}}\t{{.ID}}\t{{.State}}"]).toString();
  const map = new Map<string, string>();
  for (const line of out.split("\n").filter(Boolean)) {
    const [name, id, state] = line.split("\t");
    map.set(name!, `${id}:${state}`);
  }
  return map;
}

// The agent keeps no state of its own: after a SIGKILL it rebuilds its view from Docker's names
// and labels, adopts what runs, and only fixes what changed while it was away.
describe("agent restart", () => {
  let agent: TestAgent;

  beforeAll(async () => {
    await ensureImages();
    agent = await startTestAgent({ address: "127.0.0.23" });
  });
  afterAll(async () => {
    await agent?.cleanup();
  });

  it("adopts running pods after SIGKILL without restarting or duplicating anything", async () => {
    for (const name of ["a", "b", "c"]) {
      writeFileSync(join(agent.manifestDir, `${name}.json`), podManifest(name, { containers: [{ name: "web", image: "kubelab/web:1" }] }));
    }
    await eventually(async () => {
      const pods = await agent.pods();
      return pods.length === 3 && pods.every((p) => p.status?.phase === "Running");
    }, 20_000, "3 pods Running");
    const before = containers(agent.nodeName);
    expect(before.size).toBe(6);

    await agent.kill("SIGKILL");
    // While the agent is away: one app container dies, one manifest goes.
    const killed = [...before.keys()].find((n) => n.startsWith("k8s_web_a-"))!;
    execFileSync("docker", ["kill", killed]);
    rmSync(join(agent.manifestDir, "c.json"));
    await agent.start();

    await eventually(async () => {
      const pods = await agent.pods();
      const a = pods.find((p) => p.metadata.name.startsWith("a-"));
      return pods.length === 2 && a?.status?.containerStatuses?.[0]?.restartCount === 1 && a.status.containerStatuses[0].state.running;
    }, 20_000, "a restarted, c gone");
    // c's containers go (the pod is gone from every source), then nothing else may move over a few
    // relists: no container appears, goes or changes state.
    const settled = await eventually(() => {
      const now = containers(agent.nodeName);
      return [...now.keys()].some((n) => n.includes("_c-")) ? undefined : now;
    }, 20_000, "c's containers removed");
    await consistently(() => JSON.stringify([...containers(agent.nodeName)]) === JSON.stringify([...settled]), 2500, "containers unchanged");
    const after = containers(agent.nodeName);
    // b: the very same two containers, still running.
    for (const [name, idState] of before) {
      if (name.includes("_b-")) expect(after.get(name)).toBe(idState);
    }
    // a: the same sandbox; the killed attempt 0 kept for --previous; attempt 1 running.
    const sandboxA = [...before.keys()].find((n) => n.startsWith("k8s_POD_a-"))!;
    expect(after.get(sandboxA)).toBe(before.get(sandboxA));
    expect(after.get(killed)).toMatch(/:exited$/);
    expect(after.get(killed.replace(/_0$/, "_1"))).toMatch(/:running$/);
    // c: removed. Nothing else exists.
    expect([...after.keys()].filter((n) => n.includes("_c-"))).toEqual([]);
    expect(after.size).toBe(5);
    const b = (await agent.pods()).find((p) => p.metadata.name.startsWith("b-"))!;
    expect(b.status!.containerStatuses![0]!.restartCount).toBe(0);
  });
});
