// kubelab:masterCount 3, 5 or 7: that many masters across the region's zones, an etcd member on
// each (ha-install.ts), every API server on the whole etcd cluster, and the API behind a network
// load balancer (ha.ts) whose address the kubeconfig and the agents use. Master 0 keeps the
// static address it has with one master (SSH, and the stack's git remote of older stacks).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { createMaster, type NodeBase, type Worker } from "./nodes";
import { createApiLoadBalancer, etcdMemberName, masterName, masterZones, type ApiLoadBalancer } from "./ha";
import { installEtcdCluster, receiveSecrets, shareSecrets, type EtcdMaster } from "./ha-install";
import { installMaster, type Deployment, type MasterInstall } from "./install";
import { createHaFirewalls, masterIp } from "./network";

export interface HaMastersArgs {
  base: NodeBase;
  network: gcp.compute.Network;
  workers: Worker[];
  masterAddress: gcp.compute.Address;
  sshPrivateKey: pulumi.Input<string>;
  deployment: Deployment;
}

export interface HaMasters {
  masters: gcp.compute.Instance[];
  apiAddress: pulumi.Output<string>;
  loadBalancer: ApiLoadBalancer;
  first: MasterInstall;
}

export function createHaMasters(name: string, a: HaMastersArgs, parent: pulumi.Resource): HaMasters {
  const cfg = a.base.cfg;
  const n = cfg.masterCount;
  const apiIp = new gcp.compute.Address(`${name}-api-ip`, {
    region: cfg.region,
    addressType: "EXTERNAL",
    description: "kubelab API load balancer",
  }, { parent });
  const zones = masterZones(cfg.region, cfg.zone, n);
  const zoneOf = (i: number) => zones.apply((z) => z[i]);
  const masters = Array.from({ length: n }, (_, i) => createMaster(a.base, i === 0 ? a.masterAddress.address : undefined, i, zoneOf(i)));
  createHaFirewalls(name, a.network, cfg.podCidrBase, a.workers.map((w) => w.externalIp), parent);
  const loadBalancer = createApiLoadBalancer(name, cfg.region, apiIp, masters.map((m, i) => ({ name: masterName(name, i), zone: zoneOf(i), instance: m })), parent);

  const etcdMasters: EtcdMaster[] = masters.map((m, i) => ({
    name: masterName(name, i),
    member: etcdMemberName(i),
    host: i === 0 ? a.masterAddress.address : m.networkInterfaces.apply((ni) => ni[0]?.accessConfigs?.[0]?.natIp ?? ""),
    internalIp: masterIp(i),
    instance: m,
  }));
  const access = { user: cfg.sshUser, privateKey: a.sshPrivateKey };
  const etcd = installEtcdCluster({ masters: etcdMasters, ...access }, parent);
  // Every server's certificate and kubeconfig name the load balancer (also as the agents'
  // bootstrap server); `instance` is what each install waits on and re-runs after.
  const common = { ...access, publicIp: apiIp.address, internalIp: apiIp.address, gitUrl: cfg.gitUrl, deployment: a.deployment, version: cfg.kubelabVersion };
  const first = installMaster(name, { ...common, host: etcdMasters[0].host, workers: a.workers.map((w) => w.name), instance: etcd.members[0] }, parent);
  const secrets = shareSecrets(etcdMasters[0], { masters: etcdMasters, ...access }, first.install, parent);
  etcdMasters.slice(1).forEach((m, j) => {
    const gate = receiveSecrets(m, { masters: etcdMasters, ...access }, secrets, etcd.members[j + 1], parent);
    installMaster(name, { ...common, node: m.name, host: m.host, workers: [], instance: gate }, parent);
  });
  return { masters, apiAddress: apiIp.address, loadBalancer, first };
}
