// certificates.k8s.io/v1 CertificateSigningRequest: a client asks a signer for a certificate. The
// API server records who asked (spec.username/groups, set from the request's user), an approver
// adds Approved or Denied through the approval subresource, the signer puts the certificate in
// status.certificate through the status subresource. Validation is Kubernetes 1.32's
// (pkg/apis/certificates/validation): the request is a PEM CSR whose signature holds, usages
// are given and known, signerName is "domain/path", expirationSeconds >= 600.
import { z } from "zod";
import { parseCSR } from "./certificates-csr";
import { defineResource } from "./define";
import { ObjectMeta, Time, typeMeta } from "./meta";
import { age, ageCol, col, nameCol, type Printer } from "./printing/columns";
import { humanDuration } from "./printing/duration";
import type { FieldCause, KObject } from "./resource";
import { fieldError, isDNS1123Subdomain } from "./validation";

const id = (name: string, description: string) => ({ id: `io.k8s.api.certificates.v1.${name}`, description });

const LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown";

export const KEY_USAGES = [
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
  "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
  "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
  "microsoft sgc", "netscape sgc",
] as const;

export const CertificateSigningRequestCondition = z
  .strictObject({
    type: z.string().describe("type of the condition. Known conditions are \"Approved\", \"Denied\", and \"Failed\"."),
    status: z.string().describe("status of the condition, one of True, False, Unknown. Approved, Denied, and Failed conditions may not be \"False\" or \"Unknown\"."),
    reason: z.string().optional().describe("reason indicates a brief reason for the request state"),
    message: z.string().optional().describe("message contains a human readable message with details about the request state"),
    lastUpdateTime: Time.optional().describe("lastUpdateTime is the time of the last update to this condition"),
    lastTransitionTime: Time.optional().describe("lastTransitionTime is the time the condition last transitioned from one status to another."),
  })
  .meta(id("CertificateSigningRequestCondition", "CertificateSigningRequestCondition describes a condition of a CertificateSigningRequest object"));
export type CertificateSigningRequestCondition = z.infer<typeof CertificateSigningRequestCondition>;

/** []byte fields travel as base64 in JSON. */
const bytes = () => z.string().meta({ format: "byte" });

export const CertificateSigningRequestSpec = z
  .strictObject({
    request: bytes().describe("request contains an x509 certificate signing request encoded in a \"CERTIFICATE REQUEST\" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded."),
    signerName: z.string().describe("signerName indicates the requested signer, and is a qualified name."),
    expirationSeconds: z.number().int().optional().describe("expirationSeconds is the requested duration of validity of the issued certificate. The minimum valid value for expirationSeconds is 600, i.e. 10 minutes."),
    usages: z.array(z.string()).optional().describe("usages specifies a set of key usages requested in the issued certificate."),
    username: z.string().optional().describe("username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable."),
    uid: z.string().optional().describe("uid contains the uid of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable."),
    groups: z.array(z.string()).optional().describe("groups contains group membership of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable."),
    extra: z.record(z.string(), z.array(z.string())).optional().describe("extra contains extra attributes of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable."),
  })
  .meta(id("CertificateSigningRequestSpec", "CertificateSigningRequestSpec contains the certificate request."));

export const CertificateSigningRequestStatus = z
  .strictObject({
    conditions: z.array(CertificateSigningRequestCondition).optional().describe("conditions applied to the request. Known conditions are \"Approved\", \"Denied\", and \"Failed\"."),
    certificate: bytes().optional().describe("certificate is populated with an issued certificate by the signer after an Approved condition is present."),
  })
  .meta(id("CertificateSigningRequestStatus", "CertificateSigningRequestStatus contains conditions used to indicate approved/denied/failed status of the request, and the issued certificate."));

export const CertificateSigningRequest = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: CertificateSigningRequestSpec.describe("spec contains the certificate request, and is immutable after creation."),
    status: CertificateSigningRequestStatus.optional().describe("status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure."),
  })
  .meta(id("CertificateSigningRequest", "CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued."));
export type CertificateSigningRequest = z.infer<typeof CertificateSigningRequest>;

/** The PEM text of spec.request (base64 in JSON). */
export const csrRequestPem = (csr: CertificateSigningRequest): string => Buffer.from(csr.spec.request, "base64").toString("utf8");

/** "domain/path": the domain a DNS subdomain of at least two labels, the path a name (apivalidation.ValidateSignerName). */
function validateSignerName(name: string): FieldCause[] {
  const field = "spec.signerName";
  if (!name) return [fieldError.required(field)];
  const slash = name.indexOf("/");
  if (slash < 0) return [fieldError.invalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const domain = name.slice(0, slash);
  const path = name.slice(slash + 1);
  const out: FieldCause[] = [];
  if (!domain.includes(".") || isDNS1123Subdomain(domain).length) out.push(fieldError.invalid(field, name, "should be a domain with at least two segments separated by dots"));
  if (!path || path.length > 571 || !/^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/.test(path)) out.push(fieldError.invalid(field, name, "validating path: a valid signer name path must consist of alphanumeric characters, '-', '_', '.' or '/'"));
  return out;
}

/** Kubernetes' validateCertificateSigningRequest for a create (the object alone). */
export function validateCertificateSigningRequest(csr: CertificateSigningRequest): FieldCause[] {
  const out: FieldCause[] = [];
  try {
    parseCSR(csrRequestPem(csr));
  } catch (e) {
    out.push(fieldError.invalid("spec.request", "<certificate request>", (e as Error).message));
  }
  const usages = csr.spec.usages ?? [];
  if (usages.length === 0) out.push(fieldError.required("spec.usages"));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(u)) out.push(fieldError.notSupported(`spec.usages[${i}]`, u, [...KEY_USAGES].sort()));
    if (seen.has(u)) out.push(fieldError.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  if (csr.spec.signerName === LEGACY_UNKNOWN) out.push(fieldError.invalid("spec.signerName", csr.spec.signerName, "the legacy signerName is not allowed via this API version"));
  else out.push(...validateSignerName(csr.spec.signerName));
  if (csr.spec.expirationSeconds !== undefined && csr.spec.expirationSeconds < 600) {
    out.push(fieldError.invalid("spec.expirationSeconds", csr.spec.expirationSeconds, "may not specify a duration less than 600 seconds (10 minutes)"));
  }
  out.push(...validateConditions(csr.status?.conditions ?? []));
  if (csr.status?.certificate && !/-----BEGIN CERTIFICATE-----/.test(Buffer.from(csr.status.certificate, "base64").toString("utf8"))) {
    out.push(fieldError.invalid("status.certificate", "<certificate data>", "must contain at least one CERTIFICATE PEM block"));
  }
  return out;
}

const TRUE_ONLY = new Set(["Approved", "Denied", "Failed"]);

function validateConditions(conditions: CertificateSigningRequestCondition[]): FieldCause[] {
  const out: FieldCause[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    if (!c.type) out.push(fieldError.required(`${at}.type`));
    const allowed = TRUE_ONLY.has(c.type) ? ["True"] : ["False", "True", "Unknown"];
    if (!c.status) out.push(fieldError.required(`${at}.status`));
    else if (!allowed.includes(c.status)) out.push(fieldError.notSupported(`${at}.status`, c.status, allowed));
    if ((c.type === "Approved" && seen.has("Denied")) || (c.type === "Denied" && seen.has("Approved"))) {
      out.push(fieldError.invalid(`${at}.type`, c.type, "Approved and Denied conditions are mutually exclusive"));
    }
    if (seen.has(c.type)) out.push(fieldError.duplicate(`${at}.type`, c.type));
    seen.add(c.type);
  });
  return out;
}

/** Updates may not remove Approved/Denied/Failed conditions, nor change an issued certificate. */
export function validateCertificateSigningRequestUpdate(next: CertificateSigningRequest, old: CertificateSigningRequest): FieldCause[] {
  const out = validateCertificateSigningRequest(next);
  for (const t of ["Approved", "Denied", "Failed"]) {
    const count = (c: CertificateSigningRequest) => (c.status?.conditions ?? []).filter((x) => x.type === t).length;
    if (count(next) < count(old)) out.push(fieldError.forbidden("status.conditions", `updates may not remove a condition of type "${t}"`));
  }
  if (old.status?.certificate && next.status?.certificate !== old.status.certificate) {
    out.push(fieldError.forbidden("status.certificate", "updates may not modify existing certificate content"));
  }
  return out;
}

export const certificatesigningrequests = defineResource<CertificateSigningRequest>({
  group: "certificates.k8s.io",
  version: "v1",
  kind: "CertificateSigningRequest",
  plural: "certificatesigningrequests",
  namespaced: false,
  shortNames: ["csr"],
  subresources: ["status", "approval"],
  schema: CertificateSigningRequest,
  // "We don't care what you call your certificate requests" (ValidateCertificateRequestName).
  nameValidator: () => [],
  validateObject: validateCertificateSigningRequest,
  validateUpdate: validateCertificateSigningRequestUpdate,
  fieldSelectors: { "spec.signerName": (o) => (o as CertificateSigningRequest).spec?.signerName },
});

/** extractCSRStatus: Denied or Approved or Pending, then ",Failed" and ",Issued". */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) s += ",Failed";
  if (csr.status?.certificate) s += ",Issued";
  return s;
}

/** printCertificateSigningRequest (pkg/printers/internalversion). */
export const certificatePrinters: Record<string, Printer> = {
  certificatesigningrequests: {
    columns: [
      nameCol,
      ageCol,
      col("SignerName", "string", "Only one signer may be specified for a CertificateSigningRequest."),
      col("Requestor", "string", "Name of the user that created the request."),
      col("RequestedDuration", "string", "Requested duration of the issued certificate."),
      col("Condition", "string", "The current state of the request."),
    ],
    cells: (o: KObject, now: Date) => {
      const csr = o as unknown as CertificateSigningRequest;
      const requested = csr.spec.expirationSeconds !== undefined ? humanDuration(csr.spec.expirationSeconds * 1000) : "<none>";
      return [o.metadata.name, age(o, now), csr.spec.signerName, csr.spec.username ?? "", requested, csrCondition(csr)];
    },
  },
};
