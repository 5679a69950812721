// The identity Kubernetes gives a node's kubelet: user system:node:<name> in group system:nodes.
// Apart from client/csr.ts (which writes the certificate request with node-forge) so that a kubelet
// checking its current certificate loads no PKCS#10 machinery.
export const nodeUser = (node: string) => `system:node:${node}`;
export const NODES_GROUP = "system:nodes";
