// Several masters (kubelab:masterCount 3, 5 or 7): their names and zones, and the GCE network
// load balancer in front of their API servers (a regional external passthrough TCP forwarding
// rule to a backend service of one instance group per master, health-checked on /readyz over
// HTTPS). With one master nothing here is created.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { API_PORT } from "./network";

/** Master i's instance name: the single master keeps today's `<name>-master`. */
export function masterName(name: string, i: number): string {
  return i === 0 ? `${name}-master` : `${name}-master-${i}`;
}

/** etcd member name of master i. */
export function etcdMemberName(i: number): string {
  return `etcd-${i}`;
}

/**
 * The zone of each of n masters: the stack's zone first, then the region's other zones in order,
 * round robin, so a zone's loss takes at most ceil(n / zones) members (1 of 3 with 3 zones).
 */
export function spreadZones(regionZones: string[], first: string, n: number): string[] {
  const others = [...regionZones].filter((z) => z !== first).sort();
  const order = [first, ...others];
  return Array.from({ length: n }, (_, i) => order[i % order.length]);
}

/** The region's zones that are UP, spread over n masters (an invoke: known at deployment). */
export function masterZones(region: string, first: string, n: number): pulumi.Output<string[]> {
  return gcp.compute.getZonesOutput({ region, status: "UP" }).names.apply((names) => spreadZones(names, first, n));
}

export interface LoadBalancedMaster {
  name: string;
  zone: pulumi.Input<string>;
  instance: gcp.compute.Instance;
}

export interface ApiLoadBalancer {
  healthCheck: gcp.compute.RegionHealthCheck;
  backendService: gcp.compute.RegionBackendService;
  forwardingRule: gcp.compute.ForwardingRule;
  groups: gcp.compute.InstanceGroup[];
}

/**
 * kubectl and the agents reach any master whose /readyz answers; a master that stops answering
 * leaves the rotation after two failed checks (about 10 s). The masters see the clients' own
 * addresses (passthrough), so the API's firewall rules keep working.
 */
export function createApiLoadBalancer(
  name: string,
  region: string,
  address: gcp.compute.Address,
  masters: LoadBalancedMaster[],
  parent: pulumi.Resource,
): ApiLoadBalancer {
  const opts = { parent };
  const healthCheck = new gcp.compute.RegionHealthCheck(`${name}-api-readyz`, {
    region,
    checkIntervalSec: 5,
    timeoutSec: 3,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    httpsHealthCheck: { port: API_PORT, requestPath: "/readyz" },
    description: "kubelab API servers: GET /readyz over HTTPS",
  }, opts);
  const groups = masters.map((m) => new gcp.compute.InstanceGroup(`${m.name}-group`, {
    zone: m.zone,
    instances: [m.instance.selfLink],
    namedPorts: [{ name: "api", port: API_PORT }],
    description: `the API server on ${m.name}`,
  }, opts));
  const backendService = new gcp.compute.RegionBackendService(`${name}-api`, {
    region,
    protocol: "TCP",
    loadBalancingScheme: "EXTERNAL",
    healthChecks: healthCheck.id,
    backends: groups.map((g) => ({ group: g.id, balancingMode: "CONNECTION" })),
    description: "kubelab API servers",
  }, opts);
  const forwardingRule = new gcp.compute.ForwardingRule(`${name}-api`, {
    region,
    ipAddress: address.address,
    ipProtocol: "TCP",
    portRange: String(API_PORT),
    loadBalancingScheme: "EXTERNAL",
    backendService: backendService.id,
    description: "kubelab API (kubectl and the agents)",
  }, opts);
  return { healthCheck, backendService, forwardingRule, groups };
}
