// The body of `kubelab agent`: parse flags, start, stop cleanly on SIGTERM/SIGINT.
import { pino } from "pino";
import { parseDuration as parseGoDuration } from "../api/duration";
import { parseQuantity } from "../api/quantity";
import { startAgent } from "./agent";
import { defaultConfig, type AgentConfig } from "./config";
import { parseManifestUrlHeader } from "./manifest-url";
import { checkCIDR } from "./network/bridge";

/** A bad flag value: `kubelab agent` (cmd/cli.ts) prints the message alone and exits 2. */
export class AgentFlagError extends Error {
  override readonly name = "AgentFlagError";
  /** What cmd/cli.ts reports as a usage error (exit 2) when it escapes the action. */
  readonly code = "commander.invalidArgument";
}

function flagValue<T>(flag: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw new AgentFlagError(`invalid value ${JSON.stringify(value)} for --${flag}: ${(err as Error).message}`);
  }
}

/** A Go duration flag ("10s", "1m30s") in milliseconds. */
function parseDuration(value: string, flag = "duration"): number {
  return flagValue(flag, value, (v) => {
    const ms = parseGoDuration(v);
    if (ms < 0) throw new Error("must not be negative");
    return ms;
  });
}

/** --manifest-url-header is the one repeatable flag: commander collects it into an array. */
function headerFlags(flags: Record<string, unknown>): string[] {
  const value = flags.manifestUrlHeader;
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}

function checkUrl(value: string): string {
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("must be an http or https URL");
  return value;
}

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
    podCIDR: flags.podCidr !== undefined ? flagValue("pod-cidr", flags.podCidr, checkCIDR) : undefined,
    clusterCIDR: flags.clusterCidr !== undefined ? flagValue("cluster-cidr", flags.clusterCidr, checkCIDR) : undefined,
    cpu: flags.cpu !== undefined ? Number(flags.cpu) : undefined,
    memoryBytes: flags.memory !== undefined ? flagValue("memory", flags.memory, parseQuantity) : undefined,
    maxPods: Number(flags.maxPods ?? 110),
    nodeLabels: labels,
    nodeStatusUpdateFrequencyMs: parseDuration(flags.nodeStatusUpdateFrequency ?? "10s", "node-status-update-frequency"),
    crashLoopBackoffInitialMs: parseDuration(flags.crashloopBackoffInitial ?? "10s", "crashloop-backoff-initial"),
    crashLoopBackoffMaxMs: parseDuration(flags.crashloopBackoffMax ?? "300s", "crashloop-backoff-max"),
    imagePullBackoffInitialMs: parseDuration(flags.imagePullBackoffInitial ?? "10s", "image-pull-backoff-initial"),
    imagePullBackoffMaxMs: parseDuration(flags.imagePullBackoffMax ?? "300s", "image-pull-backoff-max"),
    resyncPeriodMs: parseDuration(flags.syncFrequency ?? "10s", "sync-frequency"),
    staticPodRescanMs: parseDuration(flags.staticPodRescan ?? "20s", "static-pod-rescan"),
    authorizationMode: flags.authorizationMode === undefined ? undefined : flagValue("authorization-mode", flags.authorizationMode, authorizationMode),
    manifestUrl: flags.manifestUrl !== undefined ? flagValue("manifest-url", flags.manifestUrl, checkUrl) : undefined,
    manifestUrlHeaders: headerFlags(flags).flatMap((h) => flagValue("manifest-url-header", h, parseManifestUrlHeader)),
    httpCheckFrequencyMs: parseDuration(flags.httpCheckFrequency ?? "20s", "http-check-frequency"),
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

function authorizationMode(v: string): "Webhook" | "AlwaysAllow" {
  if (v !== "Webhook" && v !== "AlwaysAllow") throw new Error("must be Webhook or AlwaysAllow");
  return v;
}
