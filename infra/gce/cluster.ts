// KubelabCluster: the whole GCE lab as one component (network, firewalls, master, workers, routes,
// installation). Every resource is its child, so `pulumi destroy` removes all of it.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { installMaster, installWorker, type Deployment } from "./install";
import { createHaMasters } from "./ha-cluster";
import { createMaster, createWorker, nodeBase } from "./nodes";
import { API_PORT, MASTER_IP, createNetwork, podCidr } from "./network";

export interface KubelabClusterArgs {
  config: ClusterConfig;
  /** The SSH private key matching config.sshPublicKey, for @pulumi/command's connections. */
  sshPrivateKey: pulumi.Input<string>;
  /** The esbuild bundle and its native modules, built by `npm run build`. */
  deployment: Deployment;
}

export class KubelabCluster extends pulumi.ComponentResource {
  readonly apiServerUrl: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly gitRemote: pulumi.Output<string>;
  readonly masterAddress: pulumi.Output<string>;
  readonly workerAddresses: pulumi.Output<string[]>;
  readonly nodePortBaseUrl: pulumi.Output<string>;

  constructor(name: string, args: KubelabClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubelab:gce:KubelabCluster", name, {}, opts);
    const cfg = args.config;
    const child = { parent: this };
    const { network, subnetwork, firewalls } = createNetwork(name, {
      region: cfg.region,
      podCidrBase: cfg.podCidrBase,
      sshSourceRanges: cfg.sshSourceRanges,
      apiSourceRanges: cfg.apiSourceRanges,
      nodePortSourceRanges: cfg.nodePortSourceRanges,
    }, this);

    const masterAddress = new gcp.compute.Address(`${name}-master-ip`, {
      region: cfg.region,
      addressType: "EXTERNAL",
      description: "kubelab API server and git remote",
    }, child);
    const serviceAccount = new gcp.serviceaccount.Account(`${name}-nodes`, {
      accountId: `${name}-nodes`.slice(0, 30),
      displayName: "kubelab nodes (logging and monitoring only)",
    }, child);

    // The firewall comes first so that the install can reach the nodes over SSH.
    const base = nodeBase(name, cfg, subnetwork, serviceAccount.email, { parent: this, dependsOn: firewalls });
    const workers = Array.from({ length: cfg.workerCount }, (_, i) => createWorker(base, i, this));
    let api: pulumi.Output<string> = masterAddress.address;
    let first: ReturnType<typeof installMaster>;
    if (cfg.masterCount === 1) {
      const master = createMaster(base, masterAddress.address);
      first = installMaster(name, {
        host: masterAddress.address,
        internalIp: MASTER_IP,
        workers: workers.map((w) => w.name),
        user: cfg.sshUser,
        privateKey: args.sshPrivateKey,
        gitUrl: cfg.gitUrl,
        deployment: args.deployment,
        instance: master,
        version: cfg.kubelabVersion,
      }, this);
    } else {
      const ha = createHaMasters(name, { base, network, workers, masterAddress, sshPrivateKey: args.sshPrivateKey, deployment: args.deployment }, this);
      first = ha.first;
      api = ha.apiAddress;
    }

    workers.forEach((w) => installWorker(w.name, {
      host: w.externalIp,
      internalIp: w.internalIp,
      podCidr: w.cidr,
      user: cfg.sshUser,
      privateKey: args.sshPrivateKey,
      nodeKubeconfig: first.nodeKubeconfigs[w.name]!,
      deployment: args.deployment,
      instance: w.instance,
      version: cfg.kubelabVersion,
    }, this));

    this.masterAddress = masterAddress.address;
    this.apiServerUrl = pulumi.interpolate`https://${api}:${API_PORT}`;
    this.kubeconfig = pulumi.secret(first.adminKubeconfig);
    this.gitRemote = cfg.gitUrl
      ? pulumi.output(cfg.gitUrl)
      : pulumi.interpolate`ssh://${cfg.sshUser}@${masterAddress.address}/srv/git/lab.git`;
    this.workerAddresses = pulumi.all(workers.map((w) => w.externalIp));
    this.nodePortBaseUrl = workers[0].externalIp.apply((ip) => `http://${ip}`);
    this.registerOutputs({
      apiServerUrl: this.apiServerUrl,
      kubeconfig: this.kubeconfig,
      gitRemote: this.gitRemote,
      workerAddresses: this.workerAddresses,
      nodePortBaseUrl: this.nodePortBaseUrl,
    });
  }
}
