// The Pulumi program of the GCE lab (Pulumi.yaml's `main`): validated stack config -> one
// KubelabCluster -> the outputs a user needs to push to it and drive it with kubectl.
import * as pulumi from "@pulumi/pulumi";
import { KubelabCluster } from "./cluster";
import { loadStackConfig } from "./config";
import { checkDeployment, defaultDeployment, type Deployment } from "./install";

export interface ClusterOutputs {
  cluster: KubelabCluster;
  apiServerUrl: pulumi.Output<string>;
  kubeconfig: pulumi.Output<string>;
  gitRemote: pulumi.Output<string>;
  workerAddresses: pulumi.Output<string[]>;
  nodePortBaseUrl: pulumi.Output<string>;
}

/** Reads and validates the stack config (throwing before any resource), then creates the lab. */
export function createCluster(
  name = "kubelab",
  deployment: Deployment = defaultDeployment(),
  opts?: pulumi.ComponentResourceOptions,
): ClusterOutputs {
  const config = loadStackConfig();
  checkDeployment(deployment);
  const cluster = new KubelabCluster(name, { config, sshPrivateKey: config.sshPrivateKey, deployment }, opts);
  return {
    cluster,
    apiServerUrl: cluster.apiServerUrl,
    kubeconfig: cluster.kubeconfig,
    gitRemote: cluster.gitRemote,
    workerAddresses: cluster.workerAddresses,
    nodePortBaseUrl: cluster.nodePortBaseUrl,
  };
}
