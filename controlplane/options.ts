// What `kubelab server` is started with (controlplane/cmd.ts parses the flags into it): shared by
// the process wiring (server.ts) and the components it starts (components.ts).
import type { AuthorizationMode } from "./apiserver/authz/union";
import type { AuthenticationOptions } from "./apiserver/authn";
import type { ServerLimits } from "./apiserver/filters/limits";
import type { PodSecurityConfig } from "./apiserver/admission/podsecurity/config";
import type { LeaderElectionOptions } from "./leader";
import type { EtcdTLSFiles } from "./storage/etcd-options";
import type { IdentityLeaseFlags } from "./apiserver/identity";
import type { ClusterSigningOptions } from "./controllers/certificates/start";

export interface ServerOptions {
  dataDir: string;
  listen: string;
  writeKubeconfig?: string;
  kubeconfigServer?: string;
  tokenAuthFile?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** --kubelet-client-token-file: the token presented to node agents (default: random per process). */
  kubeletClientTokenFile?: string;
  /** Client CA, ServiceAccount keys and issuer, anonymous access (kube-apiserver's flags). */
  authentication?: AuthenticationOptions;
  /** The CA the root CA publisher puts into every namespace's kube-root-ca.crt ConfigMap. */
  rootCAFile?: string;
  /** --cluster-signing-cert-file/-key-file/-duration: the CA the CSR signer issues certificates with. */
  clusterSigning?: ClusterSigningOptions;
  /** --authorization-mode; undefined: Node,RBAC when requests are authenticated, else AlwaysAllow. */
  authorizationModes?: AuthorizationMode[];
  /** --pod-security-*: Pod Security admission's defaults and exemptions. */
  podSecurity?: PodSecurityConfig;
  storeBackend: "sqlite" | "etcd";
  etcdEndpoints?: string[];
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile. */
  etcdTLS?: EtcdTLSFiles;
  /** --identity-lease-duration-seconds, --identity-lease-renew-interval-seconds. */
  identityLease?: IdentityLeaseFlags;
  /** --advertise-address: what the kubernetes Service's endpoints name for this server. */
  advertiseAddress?: string;
  /** --service-cluster-ip-range (default 10.96.0.0/16). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  disableControllers: string[];
  nodeMonitorGracePeriodSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** --allocate-node-cidrs (default true; node IPAM gives Nodes their spec.podCIDR). */
  allocateNodeCIDRs?: boolean;
  /** --cluster-cidr (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (default 24). */
  nodeCIDRMaskSize?: number;
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  /** The API server's inflight caps, timeouts and watch buffer (default: kube-apiserver's). */
  limits?: ServerLimits;
  gitopsRepo?: string;
  /** File holding the token the git-sync webhook requires (the lab's post-receive hook sends it). */
  gitopsWebhookTokenFile?: string;
  /** spec.selfHeal of the GitRepository made from --gitops-repo (the lab turns it off). */
  gitopsSelfHeal?: boolean;
  logLevel?: string;
  /** --metric-resolution: the metrics pipeline's scrape period (default 15 s; 0: metrics.k8s.io not served). */
  metricResolutionMs?: number;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
  hpaDownscaleStabilizationMs?: number;
  /** --leader-elect and its durations (controlplane/leader.ts); undefined: no election. */
  leaderElection?: LeaderElectionOptions;
}
