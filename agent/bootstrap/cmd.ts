// `kubelab agent --bootstrap-kubeconfig`: the kubelet's flags for the TLS bootstrap, run before the
// agent starts (the agent then reads --kubeconfig as always).
import { join } from "node:path";
import { pino } from "pino";
import { ensureNodeCertificate } from "./bootstrap";

/** A bad flag combination, reported as a usage error (exit 2; agent/main.ts knows errors by this name). */
class BootstrapFlagError extends Error {
  override readonly name = "AgentFlagError";
  readonly code = "commander.invalidArgument";
}

export async function bootstrapFromFlags(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const str = (k: string) => (typeof flags[k] === "string" ? (flags[k] as string) : undefined);
  const kubeconfig = str("kubeconfig");
  const bootstrapKubeconfig = str("bootstrapKubeconfig")!;
  if (!kubeconfig) throw new BootstrapFlagError("--bootstrap-kubeconfig needs --kubeconfig: the file the agent writes its own credential to");
  const nodeName = str("nodeName")!;
  const certDir = str("certDir") ?? join(str("rootDir") ?? "/var/lib/kubelab/agent", "pki");
  const log = pino({ name: "kubelab-agent", base: { node: nodeName, component: "bootstrap" } });
  await ensureNodeCertificate({ nodeName, kubeconfig, bootstrapKubeconfig, certDir, log });
}
