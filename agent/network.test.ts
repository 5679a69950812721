import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages } from "../test/fixtures/docker";
import { eventually, podManifest, startTestAgent, type TestAgent } from "./testing";
import type { Pod } from "./types";

// The pod network: a Docker bridge on the node's pod CIDR (as on the GCE workers), a pod IP from
// it, host networking, and a sandbox that dies taking the pod's network with it.
describe("pod network", () => {
  let agent: TestAgent;
  const network = `kubelab-test-${process.pid}`;

  beforeAll(async () => {
    await ensureImages();
    agent = await startTestAgent({ address: "127.0.0.25", args: ["--network", network, "--pod-cidr", "10.251.7.0/24"] });
  });
  afterAll(async () => {
    await agent?.cleanup();
    try {
      execFileSync("docker", ["network", "rm", network], { stdio: "ignore" });
    } catch {
      // already gone
    }
  });

  const drop = (name: string, spec: Record<string, unknown>) => writeFileSync(join(agent.manifestDir, `${name}.json`), podManifest(name, spec));
  const running = (name: string) =>
    eventually(async () => {
      const p = (await agent.pods()).find((x) => x.metadata.name === `${name}-${agent.nodeName}`);
      return p?.status?.phase === "Running" && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
    }, 20_000, `${name} Running`);

  it("gives pods addresses from the node's pod CIDR on its own bridge", async () => {
    const subnet = execFileSync("docker", ["network", "inspect", network, "--format", "{{(index .IPAM.Config 0).Subnet}}"]).toString().trim();
    expect(subnet).toBe("10.251.7.0/24");
    drop("cidr", { containers: [{ name: "web", image: "kubelab/web:1" }] });
    const pod: Pod = await running("cidr");
    expect(pod.status!.podIP).toMatch(/^10\.251\.7\.\d+$/);
    expect(await (await fetch(`http://${pod.status!.podIP}/`)).text()).toBe("kubelab web v1\n");
  });

  it("runs hostNetwork pods with the node's address as pod IP", async () => {
    drop("hostnet", {
      hostNetwork: true,
      containers: [{ name: "app", image: "kubelab/busybox:1.36", command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"] }],
    });
    const pod = await running("hostnet");
    expect(pod.status!.podIP).toBe("127.0.0.25");
  });

  it("starts a new sandbox and restarts the containers when the pause container dies", async () => {
    const before = (await agent.pods()).find((x) => x.metadata.name === `cidr-${agent.nodeName}`)!;
    execFileSync("docker", ["kill", `k8s_POD_cidr-${agent.nodeName}_default_${before.metadata.uid}_0`]);
    const after = await eventually(async () => {
      const p = (await agent.pods()).find((x) => x.metadata.name === `cidr-${agent.nodeName}`);
      const s = p?.status?.containerStatuses?.[0];
      return s?.state.running && s.restartCount === 1 && p?.status?.podIP ? p : undefined;
    }, 20_000, "new sandbox");
    const names = execFileSync("docker", ["ps", "--filter", `label=io.kubernetes.pod.uid=${before.metadata.uid}`, "--format", "{{.Names}}"]).toString().split("\n").filter(Boolean).sort();
    expect(names).toEqual([`k8s_POD_cidr-${agent.nodeName}_default_${before.metadata.uid}_1`, `k8s_web_cidr-${agent.nodeName}_default_${before.metadata.uid}_1`]);
    expect(await (await fetch(`http://${after.status!.podIP}/`)).text()).toBe("kubelab web v1\n");
  });
});
