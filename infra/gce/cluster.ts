// KubelabCluster: the whole GCE lab as one component (network, firewalls, master, workers, routes,
// installation). Every resource is its child, so `pulumi destroy` removes all of it.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { installMaster, installWorker, type Deployment } from "./install";
import { createHaMasters } from "./ha-cluster";
import { masterName } from "./ha";
import { API_PORT, MASTER_IP, MASTER_TAG, WORKER_TAG, createNetwork, masterIp, podCidr, workerIp } from "./network";
import { readVmFile } from "./vm-files";

export interface KubelabClusterArgs {
  config: ClusterConfig;
  /** The SSH private key matching config.sshPublicKey, for @pulumi/command's connections. */
  sshPrivateKey: pulumi.Input<string>;
  /** The esbuild bundle and its native modules, built by `npm run build`. */
  deployment: Deployment;
}

/** Scopes of the nodes' service account: logs and metrics, nothing else. */
export const NODE_SCOPES = [
  "https://www.googleapis.com/auth/logging.write",
  "https://www.googleapis.com/auth/monitoring.write",
];

export interface NodeBase {
  name: string;
  cfg: ClusterConfig;
  subnetwork: gcp.compute.Subnetwork;
  /** What every instance shares: zone, disk, service account. */
  instance: Omit<gcp.compute.InstanceArgs, "machineType" | "networkInterfaces">;
  sshMetadata: Record<string, string>;
  versionLabel: string;
  opts: pulumi.CustomResourceOptions;
}

function nodeBase(
  name: string,
  cfg: ClusterConfig,
  subnetwork: gcp.compute.Subnetwork,
  serviceAccountEmail: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): NodeBase {
  return {
    name,
    cfg,
    subnetwork,
    instance: {
      zone: cfg.zone,
      allowStoppingForUpdate: true,
      bootDisk: { initializeParams: { image: cfg.image, size: cfg.bootDiskSizeGb, type: "pd-balanced" } },
      serviceAccount: { email: serviceAccountEmail, scopes: NODE_SCOPES },
    },
    sshMetadata: { "ssh-keys": `${cfg.sshUser}:${cfg.sshPublicKey}`, "enable-oslogin": "FALSE" },
    // GCE label values: lowercase letters, digits, - and _ only.
    versionLabel: cfg.kubelabVersion.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63),
    opts,
  };
}

// Startup scripts run again at every boot: only base packages, never kubelab itself. Master 0 is
// today's single master (name, zone, address); more masters get the next addresses and zones.
function createMaster(b: NodeBase, natIp: pulumi.Input<string> | undefined, i = 0, zone?: pulumi.Input<string>): gcp.compute.Instance {
  return new gcp.compute.Instance(masterName(b.name, i), {
    ...b.instance,
    ...(zone === undefined ? {} : { zone }),
    machineType: b.cfg.masterMachineType,
    tags: [MASTER_TAG],
    networkInterfaces: [{
      subnetwork: b.subnetwork.id,
      networkIp: masterIp(i),
      accessConfigs: [natIp === undefined ? {} : { natIp }],
    }],
    metadata: { ...b.sshMetadata, "startup-script": readVmFile("startup-master.sh"), "kubelab-role": "master" },
    labels: { kubelab: b.name, role: "master", "kubelab-version": b.versionLabel },
  }, b.opts);
}

export { createMaster };

export type Worker = ReturnType<typeof createWorker>;

function createWorker(b: NodeBase, i: number, parent: pulumi.Resource) {
  const { name, cfg } = b;
  const cidr = podCidr(cfg.podCidrBase, i);
  const instance = new gcp.compute.Instance(`${name}-worker-${i}`, {
    ...b.instance,
    machineType: cfg.workerMachineType,
    canIpForward: true,
    tags: [WORKER_TAG],
    networkInterfaces: [{
      subnetwork: b.subnetwork.id,
      networkIp: workerIp(i),
      accessConfigs: [{}], // ephemeral external IP: apt, Docker images, SSH for the install
    }],
    metadata: {
      ...b.sshMetadata,
      "startup-script": readVmFile("startup-worker.sh"),
      "kubelab-role": "worker",
      "pod-cidr": cidr,
    },
    labels: { kubelab: name, role: "worker", "kubelab-version": b.versionLabel },
  }, b.opts);
  // Pods of this worker are reached through it, as in Kubernetes the Hard Way.
  const route = new gcp.compute.Route(`${name}-pods-worker-${i}`, {
    network: b.subnetwork.network,
    destRange: cidr,
    nextHopInstance: instance.selfLink,
    nextHopInstanceZone: cfg.zone,
    priority: 1000,
    description: `pod CIDR of ${name}-worker-${i}`,
  }, { parent });
  const externalIp = instance.networkInterfaces.apply((n) => n[0]?.accessConfigs?.[0]?.natIp ?? "");
  return { instance, route, cidr, externalIp, name: `${name}-worker-${i}`, internalIp: workerIp(i) };
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
