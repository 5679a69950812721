// The CSR approver (Kubernetes' pkg/controller/certificates/approver, "csrapproving"): a pending
// request for kubernetes.io/kube-apiserver-client-kubelet that has a kubelet client certificate's
// shape is approved when its requestor may create certificatesigningrequests/selfnodeclient (a
// node renewing its own certificate) or /nodeclient (a bootstrapper asking for a node's first
// one), as a SubjectAccessReview says. Anything else stays pending for a person
// (`kubectl certificate approve|deny`).
import { csrRequestPem, type CertificateSigningRequest } from "../../../api/certificates";
import { hasCondition, KUBE_APISERVER_CLIENT_KUBELET } from "../../../api/certificates-signers";
import { parseCSR } from "../../../api/certificates-csr";
import { runController, WorkQueue, type ApiClient, type Informer } from "../../../client";
import type { ControllerRunOptions } from "../run-options";
import { kubeletClientProblem } from "./kubelet-client";
import { csrResource, requestorMay } from "./resources";

/** The recognizers in Kubernetes' order: the first whose shape fits and whose review allows wins. */
const RECOGNIZERS = [
  { subresource: "selfnodeclient", message: "Auto approving self kubelet client certificate after SubjectAccessReview.", fits: (csr: CertificateSigningRequest, cn: string) => csr.spec.username === cn },
  { subresource: "nodeclient", message: "Auto approving kubelet client certificate after SubjectAccessReview.", fits: () => true },
];

export class CSRApprovingController {
  readonly queue = new WorkQueue({ name: "csrapproving" });

  constructor(private readonly opts: { client: ApiClient; csrs: Informer<CertificateSigningRequest> }) {
    const add = (csr: CertificateSigningRequest) => this.queue.add(csr.metadata.name!);
    opts.csrs.addEventHandler({ onAdd: add, onUpdate: (_old, csr) => add(csr) });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "csrapproving", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<void> {
    const csr = this.opts.csrs.get(name);
    if (!csr || csr.spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET) return;
    if (hasCondition(csr, "Approved") || hasCondition(csr, "Denied") || csr.status?.certificate) return;
    let parsed;
    try {
      parsed = parseCSR(csrRequestPem(csr));
    } catch {
      return; // The API server validated it; a request that no longer parses is a person's to judge.
    }
    if (kubeletClientProblem(parsed, csr.spec.usages ?? [])) return;
    for (const r of RECOGNIZERS) {
      if (!r.fits(csr, parsed.commonName!)) continue;
      if (!(await requestorMay(this.opts.client, csr, r.subresource))) continue;
      await this.approve(csr, r.message);
      return;
    }
  }

  private async approve(csr: CertificateSigningRequest, message: string): Promise<void> {
    const copy = structuredClone(csr);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    copy.status = { ...copy.status, conditions: [...(copy.status?.conditions ?? []), { type: "Approved", status: "True", reason: "AutoApproved", message, lastUpdateTime: now, lastTransitionTime: now }] };
    await this.opts.client.putSubresource(csrResource, undefined, csr.metadata.name!, "approval", copy);
  }
}
