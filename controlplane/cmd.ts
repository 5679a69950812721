// `kubelab server`: its flags (with kube-apiserver's and kube-controller-manager's names and
// defaults where they have one) turned into ServerOptions, then runServer. Flag syntax is checked
// by the typed placeholders (<n>, <duration>, <quantity>, <bool>; cmd/cli.ts), so a bad value is one
// line and exit 2; what only this command knows is a UsageError here.
import type { Command } from "commander";
import { parseBoolFlag, parseDurationFlag, parseQuantityFlag, UsageError } from "../cmd/flags";
import { onFatal } from "../cmd/fatal";
import { DEFAULT_LIMITS, type ServerLimits } from "./apiserver/filters/limits";
import { CONTROLLER_NAMES } from "./controllers/names";
import type { AuthenticationOptions } from "./apiserver/authn";
import type { ServerOptions } from "./options";
import type { LeaderElectionOptions } from "./leader";
import { validateLeaderElectionTimes } from "../client/leaderelection";
import { etcdClientProblem, type EtcdTLSFiles } from "./storage/etcd-options";
import type { IdentityLeaseFlags } from "./apiserver/identity";
import { parseAuthorizationModes, type AuthorizationMode } from "./apiserver/authz/union";
import { LAB_POD_SECURITY_DEFAULTS, podSecurityFromFlags, type PodSecurityConfig } from "./apiserver/admission/podsecurity/config";

export function registerServerCommand(program: Command): void {
  withAutoscalingFlags(program.command("server"))
    .description("run the control plane: API server (SQLite or etcd store), scheduler, controllers, git-sync")
    .option("--data-dir <dir>", "where the SQLite store lives", ".kubelab/server")
    .option("--listen <host:port>", "address to serve the API on", "127.0.0.1:6443")
    .option("--write-kubeconfig <file>", "write a kubeconfig for this server to FILE")
    .option("--kubeconfig-server <url>", "server URL to put into the written kubeconfig (default: the listen address)")
    .option("--token-auth-file <file>", "require bearer tokens from this CSV file (token,user,uid[,groups])")
    .option("--tls-cert-file <file>", "serve HTTPS with this certificate")
    .option("--tls-private-key-file <file>", "and this private key")
    .option("--kubelet-client-token-file <file>", "bearer token presented to node agents, which check it with a TokenReview (default: a random one per process; give every server of a cluster the same)")
    // kube-apiserver's authentication flags (controlplane/apiserver/authn/).
    .option("--client-ca-file <file>", "accept client certificates signed by this CA (user = CN, groups = O)")
    .option("--service-account-key-file <files>", "comma-separated PEM files whose keys verify ServiceAccount tokens")
    .option("--service-account-signing-key-file <file>", "PEM private key that signs ServiceAccount tokens (TokenRequest)")
    .option("--service-account-issuer <urls>", "comma-separated issuers of ServiceAccount tokens; the first signs", "https://kubernetes.default.svc.cluster.local")
    .option("--api-audiences <list>", "comma-separated audiences a token must be for (default: the issuers)")
    .option("--anonymous-auth <bool>", "let requests without credentials reach /healthz, /livez, /readyz and /version", "true")
    .option("--enable-bootstrap-token-auth", "accept bootstrap tokens (Secrets of type bootstrap.kubernetes.io/token in kube-system) as system:bootstrap:<id>")
    .option("--authorization-mode <modes>", "comma-separated, in order: Node, RBAC, AlwaysAllow, AlwaysDeny (default Node,RBAC when requests are authenticated, else AlwaysAllow)")
    // kube-controller-manager's CSR signer flags (controllers/certificates/).
    .option("--cluster-signing-cert-file <file>", "CA certificate the CSR signer issues kubernetes.io/kube-apiserver-client(-kubelet) certificates with")
    .option("--cluster-signing-key-file <file>", "and its private key")
    .option("--cluster-signing-duration <duration>", "the longest validity of a signed certificate", "8760h")
    .option("--root-ca-file <file>", "the CA published to every namespace as the kube-root-ca.crt ConfigMap (default: --tls-cert-file)")
    // Pod Security admission (admission/podsecurity): the policy of namespaces without labels, and exemptions.
    .option("--pod-security-defaults <policy>", `e.g. ${LAB_POD_SECURITY_DEFAULTS} (MODE=LEVEL[:v1.x] for enforce, audit, warn; unnamed modes privileged)`, "")
    .option("--pod-security-exempt-namespaces <names>", "comma-separated namespaces Pod Security admission skips", "kube-system")
    .option("--pod-security-exempt-usernames <names>", "comma-separated users whose writes Pod Security admission skips", "")
    .option("--pod-security-exempt-runtime-classes <names>", "comma-separated runtimeClassNames Pod Security admission skips", "")
    .option("--store <backend>", "sqlite (embedded, default) or etcd", "sqlite")
    .option("--etcd-endpoints <urls>", "comma-separated etcd URLs (with --store etcd)", "http://127.0.0.1:2379")
    // kube-apiserver's etcd flags (controlplane/storage/etcd-client.ts); --etcd-servers wins over --etcd-endpoints.
    .option("--etcd-servers <urls>", "comma-separated etcd URLs, every member of the cluster (kube-apiserver's name for --etcd-endpoints)")
    .option("--etcd-cafile <file>", "CA that signed the etcd members' certificates (https:// endpoints)")
    .option("--etcd-certfile <file>", "client certificate for etcd")
    .option("--etcd-keyfile <file>", "its private key")
    .option("--identity-lease-duration-seconds <n>", "how long this API server's identity Lease in kube-system lasts unrenewed", "3600")
    .option("--identity-lease-renew-interval-seconds <n>", "how often it is renewed", "10")
    .option("--advertise-address <ip>", "the address the kubernetes Service's endpoints name for this server (default: the listen host, or the first non-loopback IPv4 for 0.0.0.0)")
    .option("--service-cluster-ip-range <cidr>", "the range Service ClusterIPs are allocated from", "10.96.0.0/16")
    .option("--service-node-port-range <range>", "the range NodePorts are allocated from", "30000-32767")
    .option("--disable-controllers <names>", `comma-separated: ${[...CONTROLLER_NAMES, "gitsync"].join(", ")}, or all`, "")
    .option("--node-monitor-grace-period <duration>", "how long a node may stay silent before it is marked Unknown", "40s")
    .option("--default-unreachable-toleration-seconds <n>", "how long pods stay on an unreachable node before eviction", "300")
    // kube-controller-manager's node IPAM and EndpointSlice flags.
    .option("--allocate-node-cidrs <bool>", "give every Node without one a spec.podCIDR from --cluster-cidr", "true")
    .option("--cluster-cidr <cidr>", "the range pod CIDRs are cut from", "10.244.0.0/16")
    .option("--node-cidr-mask-size <n>", "the prefix length of each node's pod CIDR", "24")
    .option("--max-endpoints-per-slice <n>", "endpoints in one EndpointSlice (1 to 1000)", "100")
    .option("--gitops-repo <url[#branch[:path]]>", "create a GitRepository 'lab' in 'default' for this repository at start")
    .option("--gitops-webhook-token-file <file>", "token that POST /hooks/gitops/... requires for the --gitops-repo repository")
    .option("--gitops-self-heal <bool>", "restore drift from kubectl edits in the --gitops-repo objects (true/false)", "true")
    .option("--log-level <level>", "pino log level", "info")
    // kube-scheduler's and kube-controller-manager's leader election flags (controlplane/leader.ts).
    .option("--leader-elect <bool>", "scheduler, controller manager and git-sync each run only while holding their Lease in kube-system (default: true with --store etcd, false with SQLite)")
    .option("--leader-elect-lease-duration <duration>", "how long others wait after the last observed change of a Lease before taking it", "15s")
    .option("--leader-elect-renew-deadline <duration>", "a leader that has not renewed for this long stops leading (less than the lease duration)", "10s")
    .option("--leader-elect-retry-period <duration>", "how often candidates try to acquire and leaders renew", "2s")
    // kube-apiserver's limits, with its names and defaults (controlplane/apiserver/filters/limits.ts).
    .option("--max-requests-inflight <n>", "read-only requests served at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxRequestsInflight))
    .option("--max-mutating-requests-inflight <n>", "writes served at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxMutatingRequestsInflight))
    .option("--max-long-running-requests <n>", "watches and log streams open at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxLongRunningRequests))
    .option("--request-timeout <duration>", "a request that is not a watch or log stream answers 504 after this", "1m0s")
    .option("--watch-send-buffer-bytes <quantity>", "what may wait for a slow watcher before its watch is closed", "8Mi")
    .action(async (o: Record<string, string>) => {
      const options = serverOptionsFromFlags(o);
      const { runServer } = await import("./server");
      const running = await runServer(options);
      onFatal(() => running.stop());
      // Machine-readable line for scripts and tests that start the server on port 0.
      process.stdout.write(JSON.stringify({ msg: "kubelab server ready", url: running.api.url }) + "\n");
      const shutdown = async () => {
        await running.stop();
        process.exit(0);
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    });
}

/** The metrics pipeline's and the HPA controller's flags (kube-controller-manager's and metrics-server's names). */
function withAutoscalingFlags(c: Command): Command {
  return c
    .option("--horizontal-pod-autoscaler-sync-period <duration>", "how often every HorizontalPodAutoscaler is reconciled", "15s")
    .option("--horizontal-pod-autoscaler-downscale-stabilization <duration>", "how far back an HPA looks for a higher recommendation before it scales down (when its behavior does not say)", "5m0s")
    .option("--metric-resolution <duration>", "how often the API server scrapes every Ready node's usage for metrics.k8s.io (kubectl top, HPAs); 0s: not served", "15s");
}

/** The parsed flags as runServer's options; what is wrong with them is a UsageError. */
export function serverOptionsFromFlags(o: Record<string, string>): ServerOptions {
  if (o.store !== "sqlite" && o.store !== "etcd") throw new UsageError(`invalid value ${JSON.stringify(o.store)} for --store: must be sqlite or etcd`);
  if (Boolean(o.tlsCertFile) !== Boolean(o.tlsPrivateKeyFile)) throw new UsageError("--tls-cert-file and --tls-private-key-file go together");
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    dataDir: o.dataDir,
    listen: o.listen,
    writeKubeconfig: o.writeKubeconfig,
    kubeconfigServer: o.kubeconfigServer,
    tokenAuthFile: o.tokenAuthFile,
    tlsCertFile: o.tlsCertFile,
    tlsPrivateKeyFile: o.tlsPrivateKeyFile,
    kubeletClientTokenFile: o.kubeletClientTokenFile,
    authentication: authenticationFromFlags(o),
    rootCAFile: o.rootCaFile ?? o.tlsCertFile,
    clusterSigning: clusterSigningFromFlags(o),
    podSecurity: podSecurityOptions(o),
    authorizationModes: authorizationModesFlag(o.authorizationMode),
    storeBackend: o.store,
    etcdEndpoints: list(o.etcdServers ?? o.etcdEndpoints),
    etcdTLS: etcdTLSFromFlags(o),
    identityLease: identityLeaseFromFlags(o),
    advertiseAddress: o.advertiseAddress,
    serviceClusterIPRange: o.serviceClusterIpRange,
    serviceNodePortRange: o.serviceNodePortRange,
    disableControllers: list(o.disableControllers),
    nodeMonitorGracePeriodSeconds: parseDurationFlag(o.nodeMonitorGracePeriod, "--node-monitor-grace-period") / 1000,
    defaultUnreachableTolerationSeconds: Number(o.defaultUnreachableTolerationSeconds),
    allocateNodeCIDRs: parseBoolFlag(o.allocateNodeCidrs, "--allocate-node-cidrs"),
    clusterCIDR: o.clusterCidr,
    nodeCIDRMaskSize: Number(o.nodeCidrMaskSize),
    maxEndpointsPerSlice: Number(o.maxEndpointsPerSlice),
    gitopsRepo: o.gitopsRepo,
    gitopsWebhookTokenFile: o.gitopsWebhookTokenFile,
    gitopsSelfHeal: parseBoolFlag(o.gitopsSelfHeal, "--gitops-self-heal"),
    logLevel: o.logLevel,
    limits: limitsFromFlags(o),
    leaderElection: leaderElectionFromFlags(o),
    metricResolutionMs: parseDurationFlag(o.metricResolution ?? "15s", "--metric-resolution"),
    hpaSyncPeriodMs: parseDurationFlag(o.horizontalPodAutoscalerSyncPeriod ?? "15s", "--horizontal-pod-autoscaler-sync-period"),
    hpaDownscaleStabilizationMs: parseDurationFlag(o.horizontalPodAutoscalerDownscaleStabilization ?? "5m0s", "--horizontal-pod-autoscaler-downscale-stabilization"),
  };
}

/** --etcd-cafile, --etcd-certfile, --etcd-keyfile, checked with the endpoints (storage/etcd-client.ts). */
function etcdTLSFromFlags(o: Record<string, string>): EtcdTLSFiles | undefined {
  const tls = o.etcdCafile || o.etcdCertfile || o.etcdKeyfile ? { caFile: o.etcdCafile, certFile: o.etcdCertfile, keyFile: o.etcdKeyfile } : undefined;
  const problem = o.store === "etcd" ? etcdClientProblem({ endpoints: (o.etcdServers ?? o.etcdEndpoints).split(",").map((s) => s.trim()).filter(Boolean), tls }) : undefined;
  if (problem) throw new UsageError(`invalid etcd flags: ${problem}`);
  return tls;
}

function identityLeaseFromFlags(o: Record<string, string>): IdentityLeaseFlags {
  const durationSeconds = Number(o.identityLeaseDurationSeconds);
  const renewIntervalSeconds = Number(o.identityLeaseRenewIntervalSeconds);
  if (!(renewIntervalSeconds > 0 && renewIntervalSeconds < durationSeconds)) {
    throw new UsageError("--identity-lease-renew-interval-seconds must be more than 0 and less than --identity-lease-duration-seconds");
  }
  return { durationSeconds, renewIntervalSeconds };
}

/** --leader-elect*: on by default when the store is shared (etcd); durations as client-go checks them. */
export function leaderElectionFromFlags(o: Record<string, string>): LeaderElectionOptions {
  const enabled = o.leaderElect === undefined ? o.store === "etcd" : parseBoolFlag(o.leaderElect, "--leader-elect");
  const leaseDurationMs = parseDurationFlag(o.leaderElectLeaseDuration, "--leader-elect-lease-duration");
  const renewDeadlineMs = parseDurationFlag(o.leaderElectRenewDeadline, "--leader-elect-renew-deadline");
  const retryPeriodMs = parseDurationFlag(o.leaderElectRetryPeriod, "--leader-elect-retry-period");
  const bad = validateLeaderElectionTimes(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  if (bad) throw new UsageError(`invalid --leader-elect-* durations (lease ${o.leaderElectLeaseDuration}, renew ${o.leaderElectRenewDeadline}, retry ${o.leaderElectRetryPeriod}): ${bad}`);
  return { enabled, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

function authorizationModesFlag(v: string | undefined): AuthorizationMode[] | undefined {
  if (v === undefined) return undefined;
  try {
    return parseAuthorizationModes(v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** --cluster-signing-*: both files or neither. */
function clusterSigningFromFlags(o: Record<string, string>): ServerOptions["clusterSigning"] {
  if (Boolean(o.clusterSigningCertFile) !== Boolean(o.clusterSigningKeyFile)) throw new UsageError("--cluster-signing-cert-file and --cluster-signing-key-file go together");
  if (!o.clusterSigningCertFile) return undefined;
  return { certFile: o.clusterSigningCertFile, keyFile: o.clusterSigningKeyFile, durationMs: parseDurationFlag(o.clusterSigningDuration ?? "8760h", "--cluster-signing-duration") };
}

/** kube-apiserver's authentication flags as the API server's options. */
function authenticationFromFlags(o: Record<string, string>): AuthenticationOptions {
  const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return {
    clientCAFile: o.clientCaFile,
    serviceAccountKeyFiles: list(o.serviceAccountKeyFile),
    serviceAccountSigningKeyFile: o.serviceAccountSigningKeyFile,
    serviceAccountIssuers: list(o.serviceAccountIssuer),
    apiAudiences: list(o.apiAudiences),
    anonymousAuth: parseBoolFlag(o.anonymousAuth, "--anonymous-auth"),
    enableBootstrapTokenAuth: Boolean(o.enableBootstrapTokenAuth),
  };
}

/** The --pod-security-* flags; a bad policy is a UsageError. */
function podSecurityOptions(o: Record<string, string>): PodSecurityConfig {
  const flags = { defaults: o.podSecurityDefaults, exemptNamespaces: o.podSecurityExemptNamespaces, exemptUsernames: o.podSecurityExemptUsernames, exemptRuntimeClasses: o.podSecurityExemptRuntimeClasses };
  try {
    return podSecurityFromFlags(flags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The API server's limits from the flags (their syntax is checked by cmd/flags.ts). */
export function limitsFromFlags(o: Record<string, string>): ServerLimits {
  const count = (flag: string, v: string) => {
    if (!/^\d{1,9}$/.test(v)) throw new UsageError(`invalid value ${JSON.stringify(v)} for ${flag}: must be a whole number such as 400 (0: no limit)`);
    return Number(v);
  };
  const requestTimeoutMs = parseDurationFlag(o.requestTimeout, "--request-timeout");
  if (requestTimeoutMs < 1000) throw new UsageError(`invalid value ${JSON.stringify(o.requestTimeout)} for --request-timeout: must be at least 1s`);
  const watchSendBufferBytes = parseQuantityFlag(o.watchSendBufferBytes, "--watch-send-buffer-bytes");
  if (watchSendBufferBytes < 64 * 1024) throw new UsageError(`invalid value ${JSON.stringify(o.watchSendBufferBytes)} for --watch-send-buffer-bytes: must be at least 64Ki`);
  return {
    maxRequestsInflight: count("--max-requests-inflight", o.maxRequestsInflight),
    maxMutatingRequestsInflight: count("--max-mutating-requests-inflight", o.maxMutatingRequestsInflight),
    maxLongRunningRequests: count("--max-long-running-requests", o.maxLongRunningRequests),
    requestTimeoutMs,
    headerReadTimeoutMs: DEFAULT_LIMITS.headerReadTimeoutMs,
    watchSendBufferBytes,
  };
}
