// The body of `kubelab agent`: parse flags, start, stop cleanly on SIGTERM/SIGINT.
import { pino } from "pino";
import { parseQuantity } from "./quantity";
import { startAgent } from "./agent";
import { defaultConfig, parseDuration, type AgentConfig } from "./config";

export function configFromFlags(flags: Record<string, string | undefined>): AgentConfig {
  const labels: Record<string, string> = {};
  for (const pair of (flags.nodeLabels ?? "").split(",").filter(Boolean)) {
    const [k, v = ""] = pair.split("=");
    labels[k!.trim()] = v.trim();
  }
  const overrides: Partial<AgentConfig> = {
    nodeName: flags.nodeName!,
    kubeconfig: flags.kubeconfig,
    server: flags.server,
    podManifestPath: flags.podManifestPath,
    readOnlyPort: Number(flags.readOnlyPort ?? 10255),
    port: Number(flags.port ?? 10250),
    pauseImage: flags.pauseImage,
    dockerHost: flags.dockerHost ?? process.env.DOCKER_HOST,
    network: flags.network,
    rootDir: flags.rootDir,
    podCIDR: flags.podCidr,
    cpu: flags.cpu !== undefined ? Number(flags.cpu) : undefined,
    memoryBytes: flags.memory !== undefined ? parseQuantity(flags.memory) : undefined,
    maxPods: Number(flags.maxPods ?? 110),
    nodeLabels: labels,
    nodeStatusUpdateFrequencyMs: parseDuration(flags.nodeStatusUpdateFrequency ?? "10s"),
    crashLoopBackoffInitialMs: parseDuration(flags.crashloopBackoffInitial ?? "10s"),
    crashLoopBackoffMaxMs: parseDuration(flags.crashloopBackoffMax ?? "300s"),
    imagePullBackoffInitialMs: parseDuration(flags.imagePullBackoffInitial ?? "10s"),
    imagePullBackoffMaxMs: parseDuration(flags.imagePullBackoffMax ?? "300s"),
    resyncPeriodMs: parseDuration(flags.syncFrequency ?? "10s"),
    staticPodRescanMs: parseDuration(flags.staticPodRescan ?? "20s"),
  };
  if (flags.address) overrides.address = flags.address;
  for (const key of Object.keys(overrides) as Array<keyof AgentConfig>) if (overrides[key] === undefined) delete overrides[key];
  return defaultConfig(overrides);
}

export async function runAgentCommand(flags: Record<string, string | undefined>): Promise<void> {
  const cfg = configFromFlags(flags);
  const useApi = cfg.kubeconfig !== undefined || cfg.server !== undefined;
  const api = useApi ? (await import("./api/integration")).apiIntegration : undefined;
  const log = pino({ name: "kubelab-agent", base: { node: cfg.nodeName } });
  // Every listener turns its errors into answers; anything that still escapes is a bug. Say what
  // it was and exit, rather than run on half-alive (systemd restarts the agent; pods keep running).
  const fatal = (what: string) => (err: unknown) => {
    log.fatal({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, `${what}: exiting`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal("uncaught exception"));
  process.on("unhandledRejection", fatal("unhandled promise rejection"));
  const agent = await startAgent(cfg, { api, log });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Pods keep running: stopping the agent never stops containers (as the kubelet does).
    await agent.stop();
    process.exit(signal === "SIGTERM" || signal === "SIGINT" ? 0 : 1);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
