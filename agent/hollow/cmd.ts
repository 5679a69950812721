// `kubelab agent --hollow --node-name N --kubeconfig F [--hollow-count K]`: hollow nodes in this
// process until SIGTERM/SIGINT (flags as agent/cmd.ts parses them).
import { pino } from "pino";
import { RestClient } from "../../client";
import { runHollowAgents } from "./agents";

type Flags = Record<string, string | boolean | undefined>;

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

function labels(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  return Object.fromEntries(text.split(",").filter(Boolean).map((kv) => {
    const i = kv.indexOf("=");
    return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
  }));
}

export async function runHollowCommand(flags: Flags): Promise<void> {
  const kubeconfig = str(flags.kubeconfig);
  const server = str(flags.server);
  if (!kubeconfig && !server) throw new Error("--hollow needs --kubeconfig or --server");
  const client = kubeconfig ? RestClient.fromKubeconfig(kubeconfig) : new RestClient({ server: server! });
  const nodeName = str(flags.nodeName) ?? "hollow";
  const count = str(flags.hollowCount) ? Number(flags.hollowCount) : undefined;
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 5000)) {
    throw new Error(`--hollow-count must be between 1 and 5000, got ${flags.hollowCount}`);
  }
  const ctl = new AbortController();
  const logger = pino({ level: "info" });
  const agents = await runHollowAgents({
    client,
    signal: ctl.signal,
    ...(count && count > 0 ? { nodeNamePrefix: nodeName, count } : { nodeName }),
    capacity: {
      ...(str(flags.cpu) ? { cpu: str(flags.cpu)! } : {}),
      ...(str(flags.memory) ? { memory: str(flags.memory)! } : {}),
      ...(str(flags.maxPods) ? { pods: Number(flags.maxPods) } : {}),
    },
    labels: labels(str(flags.nodeLabels)),
    logger,
  });
  logger.info({ nodes: agents.nodeNames.length }, "hollow nodes registered");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await agents.stop();
}
