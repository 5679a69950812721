// `kubelab agent`: flags -> AgentConfig -> startAgent. Heavy modules load only when it runs.
import type { Command } from "commander";

export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description("run the node agent (kubelet) for one node: pods on Docker, static pods, node status")
    .requiredOption("--node-name <name>", "name of this node")
    .option("--kubeconfig <file>", "kubeconfig of the API server")
    .option("--bootstrap-kubeconfig <file>", "when --kubeconfig has no valid client certificate, get one with this kubeconfig's bootstrap token (a CertificateSigningRequest) and write --kubeconfig")
    .option("--cert-dir <dir>", "where the bootstrapped client certificate and key are kept (default: <root-dir>/pki)")
    .option("--rotate-certificates <bool>", "renew the client certificate in --cert-dir when 70-90 % of its lifetime has passed (a CertificateSigningRequest made with the current one)", "true")
    .option("--server <url>", "API server URL (when no kubeconfig is given)")
    .option("--pod-manifest-path <dir>", "folder of static pod manifests")
    .option("--read-only-port <port>", "read-only API port (/pods, /healthz, /stats/summary); 0 disables", "10255")
    .option("--port <port>", "main port (/containerLogs, /metrics, exec, attach); 0 disables", "10250")
    .option("--authorization-mode <mode>", "who may use the main port: Webhook (bearer token checked with a TokenReview, then a SubjectAccessReview for nodes/proxy, ... at the API server) or AlwaysAllow", "Webhook")
    .option("--address <ip>", "node address: reported as InternalIP, host ports and NodePorts bind here")
    .option("--pause-image <image>", "image of the pod sandbox (pause) container", "registry.k8s.io/pause:3.10")
    .option("--docker-host <url>", "Docker endpoint (unix:///var/run/docker.sock or tcp://host:port)")
    .option("--network <name>", "Docker network the pods join: a name other than bridge/host is the node's own bridge on its pod CIDR, with the cluster DNS on its gateway", "bridge")
    .option("--root-dir <dir>", "agent state (pod volumes)", "/var/lib/kubelab/agent")
    .option("--pod-cidr <cidr>", "pod CIDR to report on the Node (default: the one the control plane allocates)")
    .option("--cluster-cidr <cidr>", "range of all nodes' pod CIDRs: write the host rules that let pods of other nodes on this kernel reach this node's pods without NAT")
    .option("--cpu <n>", "CPU capacity to report (default: the host's)")
    .option("--memory <quantity>", "memory capacity to report, e.g. 4Gi (default: the host's)")
    .option("--max-pods <n>", "pod capacity", "110")
    .option("--node-labels <k=v,...>", "extra labels for the Node")
    .option("--node-status-update-frequency <duration>", "how often node status is written", "10s")
    .option("--crashloop-backoff-initial <duration>", "first CrashLoopBackOff delay", "10s")
    .option("--crashloop-backoff-max <duration>", "longest CrashLoopBackOff delay", "300s")
    .option("--image-pull-backoff-initial <duration>", "first ImagePullBackOff delay", "10s")
    .option("--image-pull-backoff-max <duration>", "longest ImagePullBackOff delay", "300s")
    .option("--sync-frequency <duration>", "periodic resync of every pod", "10s")
    .option("--static-pod-rescan <duration>", "how often the manifest folder is re-read", "20s")
    .option("--manifest-url <url>", "URL of static pods (a Pod, a List of Pods or several YAML documents), read every --http-check-frequency")
    .option("--manifest-url-header <Name:Value>", "HTTP header for --manifest-url ('a:x,b:y'; repeat the flag for more, a name may repeat)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--http-check-frequency <duration>", "how often --manifest-url is read", "20s")
    .option("--hollow", "simulate the node without Docker (kubemark's hollow kubelet): pods are reported Running")
    .option("--hollow-count <n>", "with --hollow: simulate N nodes named NODE-NAME-0 ... NODE-NAME-(N-1) in this process")
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      if (flags.hollow) {
        const { runHollowCommand } = await import("./hollow/cmd");
        await runHollowCommand(flags);
        return;
      }
      const credentials = await import("./bootstrap/cmd");
      credentials.rotateCertificatesFlag(flags);
      if (flags.bootstrapKubeconfig) await credentials.bootstrapFromFlags(flags);
      // Runs for the life of the process (the agent exits by process.exit).
      credentials.startRotationFromFlags(flags, new AbortController().signal);
      const { runAgentCommand } = await import("./run");
      await runAgentCommand(flags as Record<string, string | undefined>);
    });
}
