// The CertificateSigningRequest cache the approver and the signer share (client/ has no
// certificates informer), and the review the approver asks.
import type { CertificateSigningRequest } from "../../../api/certificates";
import { Informer, stripManagedFields, type ApiClient, type ResourceRef } from "../../../client";

export const csrResource: ResourceRef = { group: "certificates.k8s.io", version: "v1", plural: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false };
export const subjectAccessReviews: ResourceRef = { group: "authorization.k8s.io", version: "v1", plural: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false };

export function newCSRInformer(client: ApiClient): Informer<CertificateSigningRequest> {
  return new Informer<CertificateSigningRequest>({ client, resource: csrResource, transform: stripManagedFields });
}

/** May the CSR's requestor create certificatesigningrequests/<subresource>? (a SubjectAccessReview) */
export async function requestorMay(client: ApiClient, csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
  const review = {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: csr.spec.username,
      uid: csr.spec.uid,
      groups: csr.spec.groups,
      extra: csr.spec.extra,
      resourceAttributes: { group: "certificates.k8s.io", resource: "certificatesigningrequests", verb: "create", subresource, version: "*" },
    },
  };
  const out = await client.create<typeof review & { status?: { allowed?: boolean } }>(subjectAccessReviews, undefined, review);
  return out.status?.allowed === true;
}
