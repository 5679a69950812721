// The names --disable-controllers accepts for the control loops ("all" disables every one). Kept
// apart from index.ts so the server can check flags without loading the controllers.
export const CONTROLLER_NAMES = ["scheduler", "replicaset", "deployment", "daemonset", "statefulset", "horizontalpodautoscaling", "nodelifecycle", "endpoints", "endpointslice", "garbagecollector", "namespace", "nodeipam", "job", "cronjob", "ttl-after-finished", "persistentvolume-binder", "local-path-provisioner", "serviceaccount", "root-ca-cert-publisher", "clusterrole-aggregation", "csrapproving", "csrsigning", "tokencleaner"] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];
