// /openapi/v2: the Swagger 2.0 document, as JSON or as the gnostic protobuf kubectl asks for
// (application/com.github.proto-openapi.spec.v2@v1.0+protobuf). The schemas themselves are served
// by /openapi/v3, which kubectl 1.32 uses for every kind it finds there (server-side field
// validation, explain, apply's patches). kubectl reads v2 only for a kind v3 lacks, to validate it
// client-side, and skips a kind v2 has no definition for: so this document lists no definitions,
// and `kubectl apply` of a kind the server lacks ends in "no matches for kind", as on Kubernetes,
// instead of failing to download the document (a 404 or 406 here is fatal to kubectl's validation).
import type { ServerResponse } from "node:http";
import { KUBE_VERSION } from "./discovery";

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

const TITLE = "Kubernetes";

/** The JSON document. */
export function openapiV2Json(): Record<string, unknown> {
  return { swagger: "2.0", info: { title: TITLE, version: KUBE_VERSION.gitVersion }, paths: {}, definitions: {} };
}

/**
 * The same document as gnostic's openapi_v2.Document: swagger = 1, info = 2 (title = 1,
 * version = 2), paths = 8, definitions = 9 (the last two present and empty).
 */
export function openapiV2Protobuf(): Buffer {
  const info = Buffer.concat([field(1, Buffer.from(TITLE)), field(2, Buffer.from(KUBE_VERSION.gitVersion))]);
  return Buffer.concat([field(1, Buffer.from("2.0")), field(2, info), field(8, Buffer.alloc(0)), field(9, Buffer.alloc(0))]);
}

/** A length-delimited protobuf field (wire type 2); every length here is below 128 (one varint byte). */
function field(num: number, value: Buffer): Buffer {
  if (value.length >= 128) throw new Error("openapi v2: field too long for a one-byte length");
  return Buffer.concat([Buffer.from([(num << 3) | 2, value.length]), value]);
}

/** Does the Accept header ask for the protobuf form? (kubectl and client-go do.) */
export function wantsOpenapiV2Protobuf(accept: string | undefined): boolean {
  return (accept ?? "").includes(OPENAPI_V2_PROTOBUF);
}

/**
 * Writes the protobuf form (ctx.reply sends JSON text only) as application/octet-stream, the type
 * kube-openapi answers it with: Go's mime parser refuses the "@" of the type asked for.
 */
export function writeOpenapiV2Protobuf(res: ServerResponse): void {
  const body = openapiV2Protobuf();
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
  res.end(body);
}
