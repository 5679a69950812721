// Node IPAM against a real API server, driven with the real kubectl: Nodes get pod CIDRs from the
// cluster CIDR, an exhausted range says so in an event, a deleted Node's CIDR goes to the next.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

const node = (name: string, podCIDR?: string) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
${podCIDR ? `spec:\n  podCIDR: ${podCIDR}\n  podCIDRs: [${podCIDR}]\n` : ""}`;

describe("node IPAM controller", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster({ clusterCIDR: "10.250.0.0/22", nodeCIDRMaskSize: 24 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const podCIDR = async (name: string) => (await c.kubectl.ok(["get", "node", name, "-o", "jsonpath={.spec.podCIDR} {.spec.podCIDRs}"])).trim();

  it("allocates pod CIDRs, keeps given ones, reports exhaustion and reuses a freed CIDR", async () => {
    await c.kubectl.ok(["create", "-f", "-"], node("ipam-given", "10.250.1.0/24"));
    for (const n of ["ipam-a", "ipam-b", "ipam-c"]) await c.kubectl.ok(["create", "-f", "-"], node(n));
    const got = await eventually(async () => {
      const cidrs = await Promise.all(["ipam-a", "ipam-b", "ipam-c"].map(podCIDR));
      return cidrs.every((x) => x) ? cidrs : undefined;
    }, 20_000, "three nodes with a pod CIDR");
    expect(got.map((x) => x.split(" ")[0]).sort()).toEqual(["10.250.0.0/24", "10.250.2.0/24", "10.250.3.0/24"]);
    expect(got[0]).toMatch(/^(10\.250\.\d\.0\/24) \["\1"\]$/);
    expect(await podCIDR("ipam-given")).toBe('10.250.1.0/24 ["10.250.1.0/24"]');

    await c.kubectl.ok(["create", "-f", "-"], node("ipam-d"));
    await eventually(async () => (await c.kubectl.ok(["get", "events", "--field-selector", "involvedObject.name=ipam-d"])).includes("CIDRNotAvailable"), 20_000, "a CIDRNotAvailable event");
    expect(await podCIDR("ipam-d")).toBe("");

    const freed = (await podCIDR("ipam-b")).split(" ")[0];
    await c.kubectl.ok(["delete", "node", "ipam-b"]);
    await eventually(async () => (await podCIDR("ipam-d")).startsWith(`${freed} `), 20_000, "ipam-d gets ipam-b's CIDR");
  }, 90_000);
});
