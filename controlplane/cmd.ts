import type { Command } from "commander";
import { parseDuration } from "../cmd/flags";


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
    .action(async (o: Record<string, string>) => {
      if (o.store !== "sqlite" && o.store !== "etcd") throw new Error(`--store must be sqlite or etcd, got ${o.store}`);
      if (Boolean(o.tlsCertFile) !== Boolean(o.tlsPrivateKeyFile)) throw new Error("--tls-cert-file and --tls-private-key-file go together");
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
