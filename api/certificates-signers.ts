// The names and condition check of certificates.k8s.io that clients need without the API type
// itself: a kubelet asking for its certificate (agent/bootstrap) loads this alone, not the
// CertificateSigningRequest schema with its validation (zod, and node-forge to parse requests).
// The CertificateSigningRequest type and its validation are api/certificates.ts.

/** Signers Kubernetes defines (https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#kubernetes-signers). */
export const KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";
export const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
export const KUBELET_SERVING = "kubernetes.io/kubelet-serving";

/** Whether the request carries condition `type` (Approved, Denied, Failed) with status True. */
export const hasCondition = (csr: { status?: { conditions?: ReadonlyArray<{ type: string; status: string }> } }, type: string): boolean =>
  (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
