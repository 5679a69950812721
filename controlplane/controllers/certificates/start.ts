// The node bootstrap controllers' wiring for the controller manager: the CSR approver and signer
// over one CertificateSigningRequest cache, and the bootstrap token cleaner over the token
// Secrets; each cache started and synced with the shared informers. The signer runs only with
// a CA (--cluster-signing-cert-file and --cluster-signing-key-file), as in Kubernetes.
import type { ApiClient, Informer } from "../../../client";
import type { ControllerRunOptions } from "../run-options";
import { newBootstrapTokenInformer, TokenCleaner } from "../bootstrap/tokencleaner";
import { CSRApprovingController } from "./approver";
import { loadCertificateAuthority } from "./authority";
import { newCSRInformer } from "./resources";
import { CSRSigningController } from "./signer";

/** kube-controller-manager's --cluster-signing-* flags. */
export interface ClusterSigningOptions {
  certFile: string;
  keyFile: string;
  /** --cluster-signing-duration in milliseconds (default one year). */
  durationMs?: number;
}

export interface NodeBootstrapWiring {
  client: ApiClient;
  signal: AbortSignal;
  enabled(name: "csrapproving" | "csrsigning" | "tokencleaner"): boolean;
  runOpts(name: string): ControllerRunOptions;
  signing?: ClusterSigningOptions;
  starters: Array<() => void>;
  runs: Array<Promise<void>>;
}

export function newNodeBootstrapControllers(w: NodeBootstrapWiring): { start(signal: AbortSignal): void; waitForSync(signal: AbortSignal): Promise<void> } {
  const signing = w.signing && w.enabled("csrsigning") ? w.signing : undefined;
  // Read at start: a missing or mismatched CA file stops the controller manager with its reason.
  const ca = signing ? loadCertificateAuthority(signing.certFile, signing.keyFile) : undefined;
  const csrs = w.enabled("csrapproving") || ca ? newCSRInformer(w.client) : undefined;
  const tokens = w.enabled("tokencleaner") ? newBootstrapTokenInformer(w.client) : undefined;
  const caches: Array<Informer<never>> = [csrs, tokens].filter((i): i is NonNullable<typeof i> => i !== undefined) as unknown as Array<Informer<never>>;
  const run = (name: string, c: { run(signal: AbortSignal, o: ControllerRunOptions): Promise<void> }) => w.starters.push(() => w.runs.push(c.run(w.signal, w.runOpts(name))));
  if (csrs && w.enabled("csrapproving")) run("csrapproving", new CSRApprovingController({ client: w.client, csrs }));
  if (csrs && ca) run("csrsigning", new CSRSigningController({ client: w.client, csrs, ca, durationMs: signing!.durationMs }));
  if (tokens) run("tokencleaner", new TokenCleaner({ client: w.client, tokens }));
  return {
    start: (signal) => caches.forEach((c) => c.start(signal)),
    waitForSync: async (signal) => {
      for (const c of caches) await c.waitForSync(signal);
    },
  };
}
