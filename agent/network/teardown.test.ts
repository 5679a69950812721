import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { ensureImages } from "../../test/fixtures/docker";
import { removePodNetworks } from "./teardown";

// lab down's part for pod networks: it removes what it can and says what it could not, instead of
// stopping at the first bridge something else still uses.
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const busy = `td-busy-${process.pid}`;
const idle = `td-idle-${process.pid}`;

describe("removing nodes' pod networks", () => {
  afterAll(() => {
    spawnSync("docker", ["rm", "-f", `${busy}-c`]);
    for (const n of [busy, idle]) spawnSync("docker", ["network", "rm", `kubelab-${n}`]);
  });

  it("removes the idle node's bridge and reports the one still in use", async () => {
    await ensureImages();
    for (const [n, subnet] of [[busy, "10.254.1.0/24"], [idle, "10.254.2.0/24"]] as const) {
      docker("network", "create", "--subnet", subnet, "--label", `io.kubelab.node=${n}`, "--label", "io.kubelab.managed=true", `kubelab-${n}`);
    }
    // A container that is not the node's (lab down removed the node's own) still on the bridge.
    docker("run", "-d", "--name", `${busy}-c`, "--network", `kubelab-${busy}`, "kubelab/pause:3.10");
    const removed = await removePodNetworks([busy, idle]);
    expect(removed.bridges).toEqual([`kubelab-${idle}`]);
    expect(removed.errors).toHaveLength(1);
    expect(removed.errors[0]).toMatch(new RegExp(`^pod network of ${busy}: .*active endpoints`));
    expect(docker("network", "ls", "-q", "--filter", `name=kubelab-${idle}`)).toBe("");
  });
});
