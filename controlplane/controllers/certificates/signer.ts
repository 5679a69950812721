// The CSR signer (Kubernetes' pkg/controller/certificates/signer, "csrsigning"): an approved,
// not yet issued, not failed request for one of the signers it serves gets a certificate from
// the cluster CA (--cluster-signing-cert-file/--cluster-signing-key-file), valid for
// --cluster-signing-duration or the request's shorter spec.expirationSeconds. A request the
// signer may not honour (a kubelet signer request without a kubelet client's shape) gets a
// Failed condition instead, as Kubernetes does.
import { csrRequestPem, type CertificateSigningRequest } from "../../../api/certificates";
import { hasCondition, KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET } from "../../../api/certificates-signers";
import { parseCSR, type ParsedCSR } from "../../../api/certificates-csr";
import { runController, WorkQueue, type ApiClient, type Informer } from "../../../client";
import type { ControllerRunOptions } from "../run-options";
import { issueCertificate, validity, type CertificateAuthority } from "./authority";
import { kubeletClientProblem } from "./kubelet-client";
import { csrResource } from "./resources";

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3600_000;
const CLIENT_USAGES = new Set(["digital signature", "key encipherment", "client auth"]);

/** Why this signer will not sign `csr` (a Failed condition's message); undefined when it will. */
export function signerProblem(signerName: string, csr: ParsedCSR, usages: readonly string[]): string | undefined {
  if (signerName === KUBE_APISERVER_CLIENT_KUBELET) return kubeletClientProblem(csr, usages);
  if (usages.some((u) => !CLIENT_USAGES.has(u)) || !usages.includes("client auth")) return `invalid usage for client certificate: ${usages.join(", ")}`;
  if (csr.organizations.includes("system:masters")) return "subject organization system:masters is not allowed for kubernetes.io/kube-apiserver-client";
  return undefined;
}

export interface CSRSigningOptions {
  client: ApiClient;
  csrs: Informer<CertificateSigningRequest>;
  ca: CertificateAuthority;
  /** --cluster-signing-duration in milliseconds. */
  durationMs?: number;
  now?: () => Date;
}

export class CSRSigningController {
  readonly queue = new WorkQueue({ name: "csrsigning" });
  private readonly signers = new Set([KUBE_APISERVER_CLIENT_KUBELET, KUBE_APISERVER_CLIENT]);

  constructor(private readonly opts: CSRSigningOptions) {
    const add = (csr: CertificateSigningRequest) => this.queue.add(csr.metadata.name!);
    opts.csrs.addEventHandler({ onAdd: add, onUpdate: (_old, csr) => add(csr) });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "csrsigning", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<void> {
    const csr = this.opts.csrs.get(name);
    if (!csr || !this.signers.has(csr.spec.signerName)) return;
    if (!hasCondition(csr, "Approved") || hasCondition(csr, "Failed") || csr.status?.certificate) return;
    const usages = csr.spec.usages ?? [];
    let parsed: ParsedCSR;
    try {
      parsed = parseCSR(csrRequestPem(csr));
    } catch (e) {
      return this.write(csr, { failed: `unable to parse csr: ${(e as Error).message}` });
    }
    const problem = signerProblem(csr.spec.signerName, parsed, usages);
    if (problem) return this.write(csr, { failed: problem });
    const maxMs = this.opts.durationMs ?? DEFAULT_SIGNING_DURATION_MS;
    const ttlMs = csr.spec.expirationSeconds !== undefined ? Math.min(csr.spec.expirationSeconds * 1000, maxMs) : maxMs;
    const span = validity(this.opts.now?.() ?? new Date(), ttlMs, this.opts.ca.notAfter);
    return this.write(csr, { certificate: issueCertificate(this.opts.ca, parsed, usages, span) });
  }

  /** The one status write: the certificate, or a Failed condition. */
  private async write(csr: CertificateSigningRequest, out: { certificate: string } | { failed: string }): Promise<void> {
    const copy = structuredClone(csr);
    copy.status ??= {};
    if ("certificate" in out) copy.status.certificate = Buffer.from(out.certificate).toString("base64");
    else {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      copy.status.conditions = [...(copy.status.conditions ?? []), { type: "Failed", status: "True", reason: "SignerValidationFailure", message: out.failed, lastUpdateTime: now, lastTransitionTime: now }];
    }
    await this.opts.client.putSubresource(csrResource, undefined, csr.metadata.name!, "status", copy);
  }
}
