// CertificateApproval and CertificateSigning admission (Kubernetes' plugin/pkg/admission/
// certificates/approval and signing): RBAC on a CertificateSigningRequest's subresources says who
// may write them, these say for which signer. Approving or denying (an update of `approval`) needs
// the `approve` verb, and issuing (an update of `status` that changes the certificate or the
// conditions) the `sign` verb, on the `signers` resource of certificates.k8s.io named by the
// request's signerName, or by its domain with `/*` (IsAuthorizedForSignerName). Writes of the
// server itself, and every write while nothing is authorized, pass.
import type { CertificateSigningRequest } from "../../../api/certificates";
import type { KObject, ResourceType } from "../../../api/resource";
import { resourceAttributes, type Authorizer, type UserInfo } from "../authz/authorizer";
import { ApiError, qualifiedResource } from "../errors";
import type { Strategy } from "../strategies/strategy";
import type { AdmissionAttributes } from "./attributes";

const GROUP = "certificates.k8s.io";

/** Holds the server's authorizer once authorization is built (authz/escalation.ts's EscalationCheck fits). */
export interface SignerAuthorization {
  authorizer?: Authorizer;
}

/** IsAuthorizedForSignerName: `verb` on signers/<signerName>, else on signers/<domain>/*. */
export function authorizedForSigner(authorizer: Authorizer, user: UserInfo, verb: "approve" | "sign", signerName: string): boolean {
  const allowed = (name: string) => authorizer.authorize(resourceAttributes(user, { verb, apiGroup: GROUP, apiVersion: "*", resource: "signers", name })).decision === "Allow";
  if (allowed(signerName)) return true;
  const slash = signerName.indexOf("/");
  return slash > 0 && allowed(`${signerName.slice(0, slash)}/*`);
}

/** The verb a write of this subresource needs on its signer; undefined when it needs none. */
export function signerVerb(subresource: string | undefined, next: CertificateSigningRequest, old: CertificateSigningRequest): "approve" | "sign" | undefined {
  if (subresource === "approval") return "approve";
  if (subresource !== "status") return undefined;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return same(next.status?.certificate, old.status?.certificate) && same(next.status?.conditions, old.status?.conditions) ? undefined : "sign";
}

/** `strategy` with both checks after its own admit, for CertificateSigningRequests. */
export function withCertificateAdmission(rt: ResourceType, strategy: Strategy, authz: SignerAuthorization): Strategy {
  if (rt.group !== GROUP || rt.kind !== "CertificateSigningRequest") return strategy;
  return {
    ...strategy,
    async admit(obj: KObject, old: KObject | undefined, attrs?: AdmissionAttributes) {
      await strategy.admit(obj, old, attrs);
      const authorizer = authz.authorizer;
      if (!old || !attrs?.user || !authorizer) return;
      const next = obj as unknown as CertificateSigningRequest;
      const before = old as unknown as CertificateSigningRequest;
      const verb = signerVerb(attrs.subresource, next, before);
      if (!verb) return;
      // The signer of the stored request: spec is immutable, the old one is the truth.
      const signerName = before.spec.signerName;
      if (authorizedForSigner(authorizer, attrs.user, verb, signerName)) return;
      const name = obj.metadata.name ?? "";
      throw new ApiError(403, "Forbidden", `${qualifiedResource(rt.plural, rt.group)} "${name}" is forbidden: user not permitted to ${verb} requests with signerName ${JSON.stringify(signerName)}`, { name, group: rt.group, kind: rt.plural });
    },
  };
}
