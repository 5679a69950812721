// What `kubelab server` is started with (controlplane/cmd.ts parses the flags into it): shared by
// the process wiring (server.ts) and the components it starts (components.ts).
export interface ServerOptions {
  dataDir: string;
  listen: string;
  writeKubeconfig?: string;
  kubeconfigServer?: string;
  tokenAuthFile?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  storeBackend: "sqlite" | "etcd";
  etcdEndpoints?: string[];
  disableControllers: string[];
  nodeMonitorGracePeriodSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  gitopsRepo?: string;
  /** File holding the token the git-sync webhook requires (the lab's post-receive hook sends it). */
  gitopsWebhookTokenFile?: string;
  /** spec.selfHeal of the GitRepository made from --gitops-repo (the lab turns it off). */
  gitopsSelfHeal?: boolean;
  logLevel?: string;
}
