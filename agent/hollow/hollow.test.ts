import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/core";
import { podCIDRFor } from "./node";
import { isRunningAndReady, PodIPAllocator, qosClass, runningStatus } from "./pod-status";

const pod = (resources: Record<string, unknown> = {}): Pod =>
  ({ metadata: { name: "web", namespace: "default", uid: "1234-5678" }, spec: { containers: [{ name: "app", image: "nginx:1.27", resources }] } }) as unknown as Pod;

describe("hollow node", () => {
  it("gives each node its own /24 and each pod an address from it", () => {
    expect(podCIDRFor(0)).toBe("10.244.0.0/24");
    expect(podCIDRFor(300)).toBe("10.245.44.0/24");
    const ips = new PodIPAllocator("10.244.3.0/24");
    ips.reserve("10.244.3.2");
    expect(ips.allocate()).toBe("10.244.3.3");
    ips.release("10.244.3.3");
    expect(ips.allocate()).toBe("10.244.3.3");
  });

  it("reports a bound pod Running and Ready with a running container", () => {
    const status = runningStatus(pod(), "10.244.0.5", "10.240.0.2", Date.parse("2026-01-01T00:00:00Z"));
    const withStatus = { ...pod(), status } as Pod;
    expect(isRunningAndReady(withStatus)).toBe(true);
    expect(status.podIP).toBe("10.244.0.5");
    expect(status.containerStatuses?.[0]).toMatchObject({ name: "app", ready: true, started: true, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } });
  });

  it("classifies QoS as Kubernetes does", () => {
    expect(qosClass(pod())).toBe("BestEffort");
    expect(qosClass(pod({ requests: { cpu: "100m" } }))).toBe("Burstable");
    expect(qosClass(pod({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
  });
});
