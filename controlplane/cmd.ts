import type { Command } from "commander";
import { parseDuration, parseQuantityFlag, UsageError } from "../cmd/flags";
import { configureServerLimits, DEFAULT_LIMITS, type ServerLimits } from "./apiserver/filters/limits";

function parseBool(flag: string, v: string): boolean {
  if (v === "true") return true;
  if (v === "false") return false;
  throw new Error(`${flag} must be true or false, got ${v}`);
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the control plane: API server (SQLite or etcd store), scheduler, controllers, git-sync")
    .option("--data-dir <dir>", "where the SQLite store lives", ".kubelab/server")
    .option("--listen <host:port>", "address to serve the API on", "127.0.0.1:6443")
    .option("--write-kubeconfig <file>", "write a kubeconfig for this server to FILE")
    .option("--kubeconfig-server <url>", "server URL to put into the written kubeconfig (default: the listen address)")
    .option("--token-auth-file <file>", "require bearer tokens from this CSV file (token,user,uid[,groups])")
    .option("--tls-cert-file <file>", "serve HTTPS with this certificate")
    .option("--tls-private-key-file <file>", "and this private key")
    .option("--store <backend>", "sqlite (embedded, default) or etcd", "sqlite")
    .option("--etcd-endpoints <urls>", "comma-separated etcd URLs (with --store etcd)", "http://127.0.0.1:2379")
    .option("--disable-controllers <names>", "comma-separated: scheduler, replicaset, deployment, nodelifecycle, endpoints, garbagecollector, namespace, gitsync, or all", "")
    .option("--node-monitor-grace-period <duration>", "how long a node may stay silent before it is marked Unknown", "40s")
    .option("--default-unreachable-toleration-seconds <n>", "how long pods stay on an unreachable node before eviction", "300")
    .option("--gitops-repo <url[#branch[:path]]>", "create a GitRepository 'lab' in 'default' for this repository at start")
    .option("--gitops-webhook-token-file <file>", "token that POST /hooks/gitops/... requires for the --gitops-repo repository")
    .option("--gitops-self-heal <bool>", "restore drift from kubectl edits in the --gitops-repo objects (true/false)", "true")
    .option("--log-level <level>", "pino log level", "info")
    // kube-apiserver's limits, with its names and defaults (controlplane/apiserver/filters/limits.ts).
    .option("--max-requests-inflight <n>", "read-only requests served at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxRequestsInflight))
    .option("--max-mutating-requests-inflight <n>", "writes served at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxMutatingRequestsInflight))
    .option("--max-long-running-requests <n>", "watches and log streams open at once; more get 429 (0: no limit)", String(DEFAULT_LIMITS.maxLongRunningRequests))
    .option("--request-timeout <duration>", "a request that is not a watch or log stream answers 504 after this", "1m0s")
    .option("--watch-send-buffer-bytes <quantity>", "what may wait for a slow watcher before its watch is closed", "8Mi")
    .action(async (o: Record<string, string>) => {
      if (o.store !== "sqlite" && o.store !== "etcd") throw new Error(`--store must be sqlite or etcd, got ${o.store}`);
      if (Boolean(o.tlsCertFile) !== Boolean(o.tlsPrivateKeyFile)) throw new Error("--tls-cert-file and --tls-private-key-file go together");
      configureServerLimits(limitsFromFlags(o));
      const { runServer } = await import("./server");
      const running = await runServer({
        dataDir: o.dataDir,
        listen: o.listen,
        writeKubeconfig: o.writeKubeconfig,
        kubeconfigServer: o.kubeconfigServer,
        tokenAuthFile: o.tokenAuthFile,
        tlsCertFile: o.tlsCertFile,
        tlsPrivateKeyFile: o.tlsPrivateKeyFile,
        storeBackend: o.store as "sqlite" | "etcd",
        etcdEndpoints: o.etcdEndpoints.split(",").map((s) => s.trim()).filter(Boolean),
        disableControllers: o.disableControllers.split(",").map((s) => s.trim()).filter(Boolean),
        nodeMonitorGracePeriodSeconds: parseDuration(o.nodeMonitorGracePeriod) / 1000,
        defaultUnreachableTolerationSeconds: Number(o.defaultUnreachableTolerationSeconds),
        gitopsRepo: o.gitopsRepo,
        gitopsWebhookTokenFile: o.gitopsWebhookTokenFile,
        gitopsSelfHeal: parseBool("--gitops-self-heal", o.gitopsSelfHeal),
        logLevel: o.logLevel,
      });
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

/** The API server's limits from the flags (their syntax is checked by cmd/flags.ts). */
export function limitsFromFlags(o: Record<string, string>): ServerLimits {
  const count = (flag: string, v: string) => {
    if (!/^\d{1,9}$/.test(v)) throw new UsageError(`invalid value ${JSON.stringify(v)} for ${flag}: must be a whole number such as 400 (0: no limit)`);
    return Number(v);
  };
  const requestTimeoutMs = parseDuration(o.requestTimeout);
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
