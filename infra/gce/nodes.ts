// The GCE instances of a lab: what every node shares (zone, disk, service account, SSH), the
// masters and the workers with their pod routes. cluster.ts and ha-cluster.ts both build on them.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { masterName } from "./ha";
import { MASTER_TAG, WORKER_TAG, masterIp, podCidr, workerIp } from "./network";
import { readVmFile } from "./vm-files";

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

export function nodeBase(
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
export function createMaster(b: NodeBase, natIp: pulumi.Input<string> | undefined, i = 0, zone?: pulumi.Input<string>): gcp.compute.Instance {
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

export type Worker = ReturnType<typeof createWorker>;

export function createWorker(b: NodeBase, i: number, parent: pulumi.Resource) {
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
