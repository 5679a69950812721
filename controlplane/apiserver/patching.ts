// PATCH: the four patch types kubectl and clients send, applied to the live object with retry on
// conflicts; server-side apply may create the object.
import { parse as parseYaml } from "yaml";
import type { KObject, ResourceType } from "../../api/resource";
import { ApiError, badRequest } from "./errors";
import { applyJsonPatch } from "./patch/json-patch";
import { applyMergePatch } from "./patch/merge-patch";
import { applyStrategicMergePatch } from "./patch/strategic-merge";
import { PatchError } from "./patch/errors";
import { serverSideApply } from "./field-manager";
import { apiVersionOf } from "./keys";
import { rfc3339 } from "../../api/time";
import type { Registry, WriteOptions, WriteResult } from "./registry";

export type PatchType = "json" | "merge" | "strategic" | "apply";

function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? "").split(";")[0].trim().toLowerCase();
  switch (ct) {
    case "application/json-patch+json":
      return "json";
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/apply-patch+yaml":
    case "application/apply-patch+json":
      return "apply";
    default:
      throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
}

function parsePatchBody(raw: Buffer, type: PatchType): unknown {
  const text = raw.toString("utf8");
  if (!text.trim()) throw badRequest("the patch body is empty");
  try {
    if (type !== "apply") return JSON.parse(text);
    // kubectl sends its apply body as JSON under the YAML type: JSON first (much faster on a large
    // CRD), YAML when it is not JSON.
    if (/^\s*\{/.test(text)) {
      try {
        return JSON.parse(text);
      } catch {
        // not JSON after all: YAML below
      }
    }
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

function mapPatchError(e: unknown): never {
  if (e instanceof PatchError) {
    const code = e.code;
    throw new ApiError(code, code === 409 ? "Conflict" : code === 422 ? "Invalid" : "BadRequest", e.message);
  }
  throw e;
}

/** Apply a non-apply patch to one object (also used for the Scale subresource). */
export async function patchObject(obj: KObject, raw: Buffer, contentType: string | undefined, schema: Record<string, unknown> | undefined): Promise<KObject> {
  const type = patchTypeOf(contentType);
  const patch = parsePatchBody(raw, type);
  try {
    switch (type) {
      case "json":
        if (!Array.isArray(patch)) throw badRequest("a JSON patch must be an array of operations");
        return applyJsonPatch(obj, patch) as KObject;
      case "merge":
        return applyMergePatch(obj, patch) as KObject;
      case "strategic":
        return applyStrategicMergePatch(obj, patch, schema ?? {}) as KObject;
      case "apply":
        throw badRequest("server-side apply is not supported on this subresource");
    }
  } catch (e) {
    return mapPatchError(e);
  }
}

export async function applyPatch(
  registry: Registry,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  raw: Buffer,
  contentType: string | undefined,
  opts: WriteOptions & { force: boolean; rawFieldManager?: string },
): Promise<WriteResult & { created: boolean }> {
  const type = patchTypeOf(contentType);
  const patch = parsePatchBody(raw, type);
  if (type === "apply") {
    if (!opts.rawFieldManager) throw badRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
    if (!patch || typeof patch !== "object" || Array.isArray(patch)) throw badRequest("an apply configuration must be an object");
    const applied = patch as KObject;
    if (applied.metadata?.name && applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    if (applied.apiVersion !== apiVersionOf(rt) || applied.kind !== rt.kind) {
      throw badRequest(`apply configuration must have apiVersion ${apiVersionOf(rt)} and kind ${rt.kind}`);
    }
    return registry.modify(rt, ns, name, (live) =>
      serverSideApply({
        live,
        applied: { ...applied, metadata: { ...(applied.metadata ?? {}), name, ...(rt.namespaced && ns ? { namespace: ns } : {}) } },
        manager: opts.rawFieldManager!,
        force: opts.force,
        schema: rt.jsonSchema,
        now: rfc3339(),
        plural: rt.plural,
        group: rt.group,
      }), { ...opts, createIfMissing: true, fieldManager: opts.rawFieldManager, applyManaged: true });
  }
  return registry.modify(rt, ns, name, async (live) => patchObject(live!, raw, contentType, rt.jsonSchema), opts);
}
