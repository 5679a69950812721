// `kubelab agent --bootstrap-kubeconfig`: the kubelet's flags for the TLS bootstrap, run before the
// agent starts (the agent then reads --kubeconfig as always); and --rotate-certificates, the
// renewal of that certificate while the agent runs.
import { join } from "node:path";
import { pino } from "pino";
import { ensureNodeCertificate } from "./bootstrap";
import { rotatable, rotateClientCertificate } from "./rotation";
import { nodeTransport } from "./transport";

/** A bad flag combination, reported as a usage error (exit 2, as run.ts's AgentFlagError). */
class BootstrapFlagError extends Error {
  override readonly name = "AgentFlagError";
  readonly code = "commander.invalidArgument";
}

type Flags = Record<string, string | boolean | undefined>;
const str = (flags: Flags, k: string) => (typeof flags[k] === "string" ? (flags[k] as string) : undefined);
const certDirOf = (flags: Flags) => str(flags, "certDir") ?? join(str(flags, "rootDir") ?? "/var/lib/kubelab/agent", "pki");
const logFor = (nodeName: string, component: string) => pino({ name: "kubelab-agent", base: { node: nodeName, component } });

export async function bootstrapFromFlags(flags: Flags): Promise<void> {
  const kubeconfig = str(flags, "kubeconfig");
  const bootstrapKubeconfig = str(flags, "bootstrapKubeconfig")!;
  if (!kubeconfig) throw new BootstrapFlagError("--bootstrap-kubeconfig needs --kubeconfig: the file the agent writes its own credential to");
  const nodeName = str(flags, "nodeName")!;
  await ensureNodeCertificate({ nodeName, kubeconfig, bootstrapKubeconfig, certDir: certDirOf(flags), log: logFor(nodeName, "bootstrap") });
}

/** --rotate-certificates as a boolean; anything but true or false is a usage error. */
export function rotateCertificatesFlag(flags: Flags): boolean {
  const v = str(flags, "rotateCertificates") ?? "true";
  if (v !== "true" && v !== "false") throw new BootstrapFlagError(`invalid value ${JSON.stringify(v)} for --rotate-certificates: must be true or false`);
  return v === "true";
}

/**
 * Starts the client certificate's rotation in the background when it is on and --kubeconfig names
 * the certificate in --cert-dir (what the bootstrap writes); a kubeconfig with a token or a
 * certificate of its own is left as it is.
 */
export function startRotationFromFlags(flags: Flags, signal: AbortSignal): void {
  const kubeconfig = str(flags, "kubeconfig");
  const certDir = certDirOf(flags);
  if (!rotateCertificatesFlag(flags) || !kubeconfig || !rotatable(kubeconfig, certDir)) return;
  const nodeName = str(flags, "nodeName")!;
  const log = logFor(nodeName, "certificate-rotation");
  void rotateClientCertificate({ nodeName, kubeconfig, certDir, transport: nodeTransport(kubeconfig), log, signal }).catch((e: unknown) =>
    log.error({ err: (e as Error).message }, "the node's client certificate rotation stopped"),
  );
}
