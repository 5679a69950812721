// `kubelab agent --hollow [--hollow-count N]`: simulated nodes for scale tests and benchmarks.
import { pino } from "pino";
import { ApiClient } from "../../controlplane/client";
import { runHollowAgents } from "./agents";

export async function runHollowCommand(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const nodeName = String(flags.nodeName);
  const count = flags.hollowCount === undefined ? 1 : Number(flags.hollowCount);
  if (!Number.isInteger(count) || count < 1 || count > 5000) throw new Error(`--hollow-count must be between 1 and 5000, got ${flags.hollowCount}`);
  let client: ApiClient;
  if (typeof flags.kubeconfig === "string") client = ApiClient.fromKubeconfig(flags.kubeconfig);
  else if (typeof flags.server === "string") client = new ApiClient({ server: flags.server });
  else throw new Error("kubelab agent --hollow needs --kubeconfig or --server");
  const controller = new AbortController();
  const logger = pino({ level: process.env.KUBELAB_LOG_LEVEL ?? "info" });
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const agents = await runHollowAgents({
    client,
    signal: controller.signal,
    logger,
    ...(count === 1 ? { nodeName } : { nodeNamePrefix: nodeName, count }),
  });
  logger.info({ nodes: agents.nodeNames.length }, "hollow nodes running");
  await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await agents.stop();
}
