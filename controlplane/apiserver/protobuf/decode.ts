// Request bodies in Kubernetes' protobuf encoding (Content-Type application/vnd.kubernetes.protobuf),
// as the typed clients of kubectl send them (`kubectl create deployment|configmap|secret|...`):
// the 4 magic bytes "k8s\0", then a runtime.Unknown {typeMeta {apiVersion, kind}, raw,
// contentEncoding, contentType} whose raw bytes are the object's message. Decoded into the same
// JSON object the API would receive as JSON.
import { ApiError, badRequest } from "../errors";
import { decodeMessage } from "./message";
import { WireError, WireReader, WIRE_BYTES } from "./wire";

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

const MAGIC = Buffer.from("k8s\0", "latin1");

/** "apiVersion kind" → message name in schema.ts. */
const KINDS: Record<string, string> = {
  "v1 Namespace": "Namespace",
  "v1 ConfigMap": "ConfigMap",
  "v1 Secret": "Secret",
  "v1 Service": "Service",
  "v1 Pod": "Pod",
  "v1 Endpoints": "Endpoints",
  "v1 Event": "Event",
  "v1 Node": "Node",
  "apps/v1 Deployment": "Deployment",
  "apps/v1 ReplicaSet": "ReplicaSet",
  "coordination.k8s.io/v1 Lease": "Lease",
  "v1 ServiceAccount": "ServiceAccount",
  "authentication.k8s.io/v1 TokenRequest": "TokenRequest",
  "authentication.k8s.io/v1 SelfSubjectReview": "SelfSubjectReview",
  "rbac.authorization.k8s.io/v1 Role": "Role",
  "rbac.authorization.k8s.io/v1 ClusterRole": "ClusterRole",
  "rbac.authorization.k8s.io/v1 RoleBinding": "RoleBinding",
  "rbac.authorization.k8s.io/v1 ClusterRoleBinding": "ClusterRoleBinding",
  "authorization.k8s.io/v1 SelfSubjectAccessReview": "SelfSubjectAccessReview",
  "authorization.k8s.io/v1 SelfSubjectRulesReview": "SelfSubjectRulesReview",
  "authorization.k8s.io/v1 SubjectAccessReview": "SubjectAccessReview",
  "certificates.k8s.io/v1 CertificateSigningRequest": "CertificateSigningRequest",
  "autoscaling/v1 HorizontalPodAutoscaler": "HorizontalPodAutoscalerV1",
};

/** "v1 Namespace", "apps/v1 Deployment", ...: what protobuf bodies may carry (plus DeleteOptions). */
export const PROTOBUF_KINDS = Object.keys(KINDS);

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Split the envelope; throws WireError when the bytes are not a runtime.Unknown. */
export function decodeEnvelope(body: Uint8Array): UnknownEnvelope {
  if (body.length < MAGIC.length || !MAGIC.equals(Buffer.from(body.subarray(0, MAGIC.length)))) {
    throw new WireError('the body does not start with the protobuf magic "k8s\\0"');
  }
  const env: UnknownEnvelope = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "", contentType: "" };
  const r = new WireReader(body, MAGIC.length);
  while (!r.done()) {
    const { field, wireType } = r.key();
    if (wireType !== WIRE_BYTES || field > 4) {
      r.skip(wireType);
      continue;
    }
    if (field === 1) {
      const tm = new WireReader(r.bytes());
      while (!tm.done()) {
        const k = tm.key();
        if (k.wireType !== WIRE_BYTES) tm.skip(k.wireType);
        else if (k.field === 1) env.apiVersion = tm.string();
        else if (k.field === 2) env.kind = tm.string();
        else tm.skip(k.wireType);
      }
    } else if (field === 2) env.raw = r.bytes();
    else if (field === 3) env.contentEncoding = r.string();
    else env.contentType = r.string();
  }
  return env;
}

/**
 * Decode a protobuf request body into a JSON object {apiVersion, kind, ...}. Malformed bytes are a
 * 400 BadRequest; a kind this server has no protobuf schema for is a 415 UnsupportedMediaType.
 */
export function decodeProtobufBody(body: Uint8Array): Record<string, unknown> {
  let env: UnknownEnvelope;
  try {
    env = decodeEnvelope(body);
  } catch (e) {
    throw malformed(e);
  }
  if (env.contentEncoding !== "") {
    throw new ApiError(415, "UnsupportedMediaType", `protobuf bodies with contentEncoding ${JSON.stringify(env.contentEncoding)} are not supported; send JSON`);
  }
  if (!env.kind) throw badRequest("error decoding protobuf body: the envelope has no kind");
  // DeleteOptions is registered in every group version.
  const message = env.kind === "DeleteOptions" ? "DeleteOptions" : KINDS[`${env.apiVersion} ${env.kind}`];
  if (!message) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `protobuf bodies are supported for ${PROTOBUF_KINDS.join(", ")} and DeleteOptions, ` +
        `not for ${env.apiVersion} ${env.kind}; send JSON (Content-Type: application/json)`,
    );
  }
  try {
    return { apiVersion: env.apiVersion, kind: env.kind, ...decodeMessage(message, env.raw) };
  } catch (e) {
    throw malformed(e);
  }
}

function malformed(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const why = e instanceof WireError ? e.message : `unexpected ${(e as Error)?.message ?? String(e)}`;
  return badRequest(`error decoding protobuf body: ${why}`);
}
