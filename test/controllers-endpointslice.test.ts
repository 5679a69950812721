// The endpointslice controller against a real API server (hollow nodes, the real kubectl): a
// Service's slices follow its pods and go with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointSlice } from "../api/discovery";
import { endpointSlicesResource as slicesRes } from "../controlplane/controllers/endpointslice/controller";
import { eventually, isRunningReady, NGINX_DEPLOYMENT, startControllerCluster, type ControllerCluster } from "./controllers-fixture";

describe("endpointslice controller", () => {
  let c: ControllerCluster;
  beforeAll(async () => {
    c = await startControllerCluster();
    await c.addNodes({ nodeNamePrefix: "eps-worker", count: 2, firstIndex: 1 });
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const slicesOf = async (svc: string) => (await c.client.list<EndpointSlice>(slicesRes, "default", { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
  const readyAddresses = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).map((e) => e.addresses[0])).sort();

  it("keeps a Service's slice in step with its pods, and the slice goes with the Service", async () => {
    await c.kubectl.ok(["apply", "-f", "-"], NGINX_DEPLOYMENT.replace("replicas: 3", "replicas: 2"));
    await eventually(async () => (await c.pods()).filter(isRunningReady).length === 2, 30_000, "2 pods running");
    await c.kubectl.ok(["expose", "deployment", "nginx-deployment", "--name", "nginx", "--port", "8080", "--target-port", "80"]);

    const slices = await eventually(async () => {
      const s = await slicesOf("nginx");
      return readyAddresses(s).length === 2 ? s : undefined;
    }, 20_000, "a slice with 2 ready endpoints");
    expect(slices).toHaveLength(1);
    const slice = slices[0]!;
    expect(slice.metadata.name).toMatch(/^nginx-[a-z0-9]{5}$/);
    expect(slice.metadata.labels?.["endpointslice.kubernetes.io/managed-by"]).toBe("endpointslice-controller.k8s.io");
    expect(slice.ports).toEqual([{ name: "", port: 80, protocol: "TCP" }]);
    const pods = (await c.pods()).filter(isRunningReady);
    expect(readyAddresses(slices)).toEqual(pods.map((p) => p.status!.podIP).sort());
    expect(slice.endpoints.map((e) => e.nodeName).every((n) => n?.startsWith("eps-worker"))).toBe(true);

    const table = await c.kubectl.ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=nginx"]);
    expect(table).toMatch(new RegExp(`^${slice.metadata.name}\\s+IPv4\\s+80\\s+10\\.244\\.\\d+\\.\\d+,10\\.244\\.\\d+\\.\\d+\\s+\\d+s$`, "m"));

    await c.kubectl.ok(["scale", "deployment/nginx-deployment", "--replicas=1"]);
    await eventually(async () => {
      const s = await slicesOf("nginx");
      return s.length === 1 && s[0]!.metadata.name === slice.metadata.name && readyAddresses(s).length === 1;
    }, 20_000, "the same slice, updated in place to 1 ready endpoint");

    await c.kubectl.ok(["delete", "service", "nginx"]);
    await eventually(async () => (await slicesOf("nginx")).length === 0, 20_000, "the slice garbage-collected with its Service");
    await c.kubectl.ok(["delete", "deployment", "nginx-deployment"]);
  }, 90_000);
});
