// serviceaccounts/<name>/token: TokenRequest (Kubernetes' pkg/registry/core/serviceaccount/storage/
// token.go). Issues a JWT for the ServiceAccount, for the requested audiences (default: the
// server's) and lifetime (default 1 h, at least 10 min), bound to a Pod or a Secret when asked;
// a pod-bound token also names the pod's node. Nothing is stored.
import { randomUUID } from "node:crypto";
import { TokenRequest, type BoundObjectReference } from "../../../api/authentication";
import type { KObject, ResourceType } from "../../../api/resource";
import { rfc3339 } from "../../../api/time";
import { fieldError } from "../../../api/validation";
import { newClaims, type KubernetesClaim, type ObjectRef } from "../authn/serviceaccount/claims";
import type { ServiceAccountTokenSigner } from "../authn/serviceaccount/tokens";
import { badRequest, conflict, invalid } from "../errors";
import type { Registry } from "../registry";

export interface TokenRequestContext {
  registry: Registry;
  typeOfKind(kind: string): ResourceType;
  signer: ServiceAccountTokenSigner;
  /** --api-audiences: what a token is for when the request names no audience. */
  audiences: string[];
  now?: () => number;
}

const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const DEFAULT_EXPIRATION_SECONDS = 3600;

/** The TokenRequest answered: spec with its defaults, status with the token. */
export async function createToken(c: TokenRequestContext, namespace: string, name: string, body: unknown): Promise<TokenRequest> {
  const req = parseTokenRequest(body, name);
  const spec = { ...req.spec, audiences: req.spec.audiences?.length ? req.spec.audiences : c.audiences, expirationSeconds: req.spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS };
  const causes = [];
  if (spec.expirationSeconds < MIN_EXPIRATION_SECONDS) causes.push(fieldError.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration less than 10 minutes"));
  if (spec.expirationSeconds > MAX_EXPIRATION_SECONDS) causes.push(fieldError.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
  if (causes.length) throw invalid("TokenRequest", "authentication.k8s.io", name, causes);

  const sa = await c.registry.get(c.typeOfKind("ServiceAccount"), namespace, name);
  const kubernetes: KubernetesClaim = { namespace, serviceaccount: { name, uid: sa.metadata.uid ?? "" } };
  if (spec.boundObjectRef) Object.assign(kubernetes, await boundObject(c, namespace, name, spec.boundObjectRef));
  const now = Math.floor((c.now ?? Date.now)() / 1000);
  const claims = newClaims({ issuer: c.signer.issuer, audiences: spec.audiences, now, expirationSeconds: spec.expirationSeconds, jti: randomUUID(), kubernetes });
  const token = await c.signer.sign(claims);
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    metadata: { name, namespace, creationTimestamp: rfc3339(now * 1000) },
    spec,
    status: { token, expirationTimestamp: rfc3339(claims.exp * 1000) },
  };
}

function parseTokenRequest(body: unknown, name: string): TokenRequest {
  const obj = { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", ...(body as object) } as Record<string, unknown>;
  delete obj.status;
  if (obj.spec === undefined) obj.spec = {};
  const parsed = TokenRequest.safeParse(stripNulls(obj));
  if (!parsed.success) {
    const causes = parsed.error.issues.map((i) => fieldError.invalid(i.path.join("."), undefined, i.message));
    throw invalid("TokenRequest", "authentication.k8s.io", name, causes);
  }
  if (parsed.data.apiVersion !== "authentication.k8s.io/v1" || parsed.data.kind !== "TokenRequest") {
    throw badRequest(`the body must be an authentication.k8s.io/v1 TokenRequest, not ${parsed.data.apiVersion} ${parsed.data.kind}`);
  }
  return parsed.data;
}

/** Go decodes null as the zero value: an absent field here. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  return v;
}

/** The pod (and its node) or Secret a token is bound to, checked as Kubernetes checks it. */
async function boundObject(c: TokenRequestContext, namespace: string, saName: string, ref: BoundObjectReference): Promise<Partial<KubernetesClaim>> {
  const kind = ref.kind ?? "";
  const apiVersion = ref.apiVersion ?? "v1";
  if (apiVersion !== "v1" || (kind !== "Pod" && kind !== "Secret")) throw badRequest(`cannot bind token to object of type ${apiVersion === "v1" ? "" : apiVersion + ", "}Kind=${kind}`);
  if (!ref.name) throw invalid("TokenRequest", "authentication.k8s.io", saName, [fieldError.required("spec.boundObjectRef.name")]);
  const obj = await c.registry.get(c.typeOfKind(kind), namespace, ref.name);
  const uid = obj.metadata.uid ?? "";
  if (ref.uid && ref.uid !== uid) {
    throw conflict(kind, "", ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  const self: ObjectRef = { name: ref.name, uid };
  if (kind === "Secret") return { secret: self };
  const spec = (obj as KObject & { spec?: { serviceAccountName?: string; nodeName?: string } }).spec ?? {};
  if ((spec.serviceAccountName || "default") !== saName) {
    throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  const node = spec.nodeName ? await c.registry.tryGet(c.typeOfKind("Node"), undefined, spec.nodeName) : undefined;
  return { pod: self, ...(node ? { node: { name: spec.nodeName!, uid: node.metadata.uid ?? "" } } : {}) };
}

