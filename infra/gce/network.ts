// The lab's network on GCE, after "Kubernetes the Hard Way": a custom VPC, one subnet for the
// nodes, firewall rules that admit each kind of traffic only from its configured ranges.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export const SUBNET_CIDR = "10.240.0.0/24";
export const MASTER_IP = "10.240.0.10";
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
