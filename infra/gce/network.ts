// The lab's network on GCE, after "Kubernetes the Hard Way": a custom VPC, one subnet for the
// nodes, firewall rules that admit each kind of traffic only from its configured ranges.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export const SUBNET_CIDR = "10.240.0.0/24";
export const MASTER_IP = "10.240.0.10";
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
/** Where GCE's health checks of a passthrough network load balancer come from. */
export const HEALTH_CHECK_RANGES = ["35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"];

/** Internal address of master i (0-based): 10.240.0.10 (the single master's), .11, ... .16. */
export function masterIp(i: number): string {
  return `10.240.0.${10 + i}`;
}
export const MASTER_TAG = "kubelab-master";
export const WORKER_TAG = "kubelab-worker";
export const API_PORT = 6443;
export const NODE_PORT_RANGE = "30000-32767";

/** Internal address of worker i (0-based): 10.240.0.20, .21, ... */
export function workerIp(i: number): string {
  return `10.240.0.${20 + i}`;
}

/** Pod CIDR of worker i (0-based): `${base}.${i}.0/24`, routed to that worker. */
export function podCidr(base: string, i: number): string {
  return `${base}.${i}.0/24`;
}

/** The range every pod CIDR lies in. */
export function clusterPodRange(base: string): string {
  return `${base}.0.0/16`;
}

export interface NetworkArgs {
  region: string;
  podCidrBase: string;
  sshSourceRanges: string[];
  apiSourceRanges: string[];
  nodePortSourceRanges: string[];
}

export interface Network {
  network: gcp.compute.Network;
  subnetwork: gcp.compute.Subnetwork;
  firewalls: gcp.compute.Firewall[];
}

export function createNetwork(name: string, args: NetworkArgs, parent: pulumi.Resource): Network {
  const opts = { parent };
  const network = new gcp.compute.Network(`${name}-vpc`, {
    autoCreateSubnetworks: false,
    description: "kubelab lab network",
  }, opts);
  const subnetwork = new gcp.compute.Subnetwork(`${name}-nodes`, {
    network: network.id,
    region: args.region,
    ipCidrRange: SUBNET_CIDR,
  }, opts);
  const firewalls = [
    // Nodes and pods talk to each other freely, as on a Kubernetes cluster network.
    new gcp.compute.Firewall(`${name}-allow-internal`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp" }, { protocol: "udp" }, { protocol: "icmp" }],
      sourceRanges: [SUBNET_CIDR, clusterPodRange(args.podCidrBase)],
    }, opts),
    // SSH to every node: Pulumi installs over it, and the git remote on the master uses it.
    new gcp.compute.Firewall(`${name}-allow-ssh`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp", ports: ["22"] }],
      sourceRanges: args.sshSourceRanges,
      targetTags: [MASTER_TAG, WORKER_TAG],
    }, opts),
    new gcp.compute.Firewall(`${name}-allow-api`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp", ports: [String(API_PORT)] }],
      sourceRanges: args.apiSourceRanges,
      targetTags: [MASTER_TAG],
    }, opts),
    new gcp.compute.Firewall(`${name}-allow-nodeports`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp", ports: [NODE_PORT_RANGE] }],
      sourceRanges: args.nodePortSourceRanges,
      targetTags: [WORKER_TAG],
    }, opts),
  ];
  return { network, subnetwork, firewalls };
}

/**
 * With several masters: etcd's client and peer ports between masters only (an allow above a deny
 * that takes them out of allow-internal for workers and pods), the load balancer's health checks,
 * and the agents, which reach the API through the load balancer's external address (their own
 * external addresses are the source GCE shows the masters).
 */
export function createHaFirewalls(
  name: string,
  network: gcp.compute.Network,
  podCidrBase: string,
  workerExternalIps: pulumi.Input<string>[],
  parent: pulumi.Resource,
): gcp.compute.Firewall[] {
  const opts = { parent };
  const etcdPorts = [String(ETCD_CLIENT_PORT), String(ETCD_PEER_PORT)];
  return [
    new gcp.compute.Firewall(`${name}-allow-etcd`, {
      network: network.selfLink,
      priority: 900,
      allows: [{ protocol: "tcp", ports: etcdPorts }],
      sourceTags: [MASTER_TAG],
      targetTags: [MASTER_TAG],
      description: "etcd client and peer traffic between masters",
    }, opts),
    new gcp.compute.Firewall(`${name}-deny-etcd`, {
      network: network.selfLink,
      priority: 950,
      denies: [{ protocol: "tcp", ports: etcdPorts }],
      sourceRanges: [SUBNET_CIDR, clusterPodRange(podCidrBase)],
      targetTags: [MASTER_TAG],
      description: "no etcd for workers and pods (allow-internal admits the rest)",
    }, opts),
    new gcp.compute.Firewall(`${name}-allow-api-health`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp", ports: [String(API_PORT)] }],
      sourceRanges: HEALTH_CHECK_RANGES,
      targetTags: [MASTER_TAG],
      description: "the API load balancer's health checks",
    }, opts),
    new gcp.compute.Firewall(`${name}-allow-api-workers`, {
      network: network.selfLink,
      allows: [{ protocol: "tcp", ports: [String(API_PORT)] }],
      sourceRanges: pulumi.all(workerExternalIps).apply((ips) => ips.map((ip) => `${ip}/32`)),
      targetTags: [MASTER_TAG],
      description: "agents through the API load balancer",
    }, opts),
  ];
}
