import { describe, expect, it } from "vitest";
import { resourceTypes } from "../../../api";
import type { PolicyRule } from "../../../api/rbac";
import type { KObject, ResourceType } from "../../../api/resource";
import type { Authorizer } from "../authz/authorizer";
import { ruleAllows } from "../authz/rbac-rules";
import { ApiError } from "../errors";
import { genericStrategy } from "../strategies/strategy";
import type { AdmissionAttributes } from "./attributes";
import { withCertificateAdmission } from "./certificates";

const csrType = resourceTypes.find((t) => t.group === "certificates.k8s.io" && t.kind === "CertificateSigningRequest") as ResourceType;
const signers = (verbs: string[], names: string[]): PolicyRule => ({ verbs, apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: names });
/** An authorizer that allows what these rules allow (RBAC's rule matching), for everybody. */
const holding = (...rules: PolicyRule[]): Authorizer => ({ authorize: (a) => (rules.some((r) => ruleAllows(a, r)) ? { decision: "Allow", reason: "" } : { decision: "NoOpinion", reason: "" }) });

const csr = (status: Record<string, unknown> = {}, signerName = "example.com/foo"): KObject =>
  ({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "csr" }, spec: { request: "", signerName, usages: ["client auth"] }, status }) as unknown as KObject;
const approved = { conditions: [{ type: "Approved", status: "True", reason: "ok" }] };
const as = (subresource: string): AdmissionAttributes => ({ operation: "UPDATE", subresource, user: { name: "alice", groups: [] }, dryRun: false, warn: () => {} });

async function refusal(authorizer: Authorizer | undefined, next: KObject, old: KObject, attrs: AdmissionAttributes): Promise<string | undefined> {
  const s = withCertificateAdmission(csrType, genericStrategy(csrType), { authorizer });
  return s.admit(next, old, attrs).then(
    () => undefined,
    (e: unknown) => {
      expect((e as ApiError).code).toBe(403);
      return (e as ApiError).message;
    },
  );
}

describe("CertificateApproval and CertificateSigning admission", () => {
  it("lets only a user with approve on the request's signer approve it, by its name or its domain's wildcard", async () => {
    expect(await refusal(holding(signers(["approve"], ["example.com/foo"])), csr(approved), csr(), as("approval"))).toBeUndefined();
    expect(await refusal(holding(signers(["approve"], ["example.com/*"])), csr(approved), csr(), as("approval"))).toBeUndefined();
    expect(await refusal(holding(signers(["approve"], ["example.com/bar"]), signers(["sign"], ["example.com/foo"])), csr(approved), csr(), as("approval"))).toBe(
      `certificatesigningrequests.certificates.k8s.io "csr" is forbidden: user not permitted to approve requests with signerName "example.com/foo"`,
    );
  });

  it("asks sign for a status write that issues a certificate or changes conditions, and nothing for one that changes neither", async () => {
    const issued = csr({ ...approved, certificate: "Y2VydA==" });
    expect(await refusal(holding(signers(["sign"], ["example.com/foo"])), issued, csr(approved), as("status"))).toBeUndefined();
    expect(await refusal(holding(signers(["approve"], ["example.com/foo"])), issued, csr(approved), as("status"))).toBe(
      `certificatesigningrequests.certificates.k8s.io "csr" is forbidden: user not permitted to sign requests with signerName "example.com/foo"`,
    );
    expect(await refusal(holding(), csr(approved), csr(approved), as("status"))).toBeUndefined();
  });

  it("leaves the main resource, the server's own writes and an unauthorized server alone", async () => {
    expect(await refusal(holding(), csr(), csr(), as(""))).toBeUndefined();
    expect(await refusal(holding(), csr(approved), csr(), { ...as("approval"), user: undefined })).toBeUndefined();
    expect(await refusal(undefined, csr(approved), csr(), as("approval"))).toBeUndefined();
  });
});
