// The identity Kubernetes gives a node's kubelet: user system:node:<name> in group system:nodes
// (the Node authorizer, the kubelet-client CSR checks, the agent's bootstrap and the lab's node
// credentials all name it from here). Apart from the API types so that a kubelet checking its
// current certificate loads nothing else.
export const NODE_USER_PREFIX = "system:node:";
export const NODES_GROUP = "system:nodes";
export const nodeUser = (node: string) => `${NODE_USER_PREFIX}${node}`;
