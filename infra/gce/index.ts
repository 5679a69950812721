// Pulumi.yaml's `main`: the stack outputs of the GCE lab. The program itself is createCluster
// (program.ts), which the mock tests call after pulumi.runtime.setMocks.
import { createCluster } from "./program";

export { createCluster };

const lab = createCluster("kubelab");

export const apiServerUrl = lab.apiServerUrl;
export const kubeconfig = lab.kubeconfig;
export const gitRemote = lab.gitRemote;
export const workerAddresses = lab.workerAddresses;
export const nodePortBaseUrl = lab.nodePortBaseUrl;
