// The scale subresource of a custom resource: an autoscaling/v1 Scale read from and written to
// the paths the CRD names (specReplicasPath, statusReplicasPath, labelSelectorPath), what
// `kubectl scale` and autoscalers use.
import type { CustomResourceSubresourceScale } from "../../../api/apiextensions";
import type { KObject, ResourceType } from "../../../api/resource";
import { ApiError } from "../errors";
import { patchObject } from "../patching";
import { decodeBody, readBody } from "../request";
import { asObject, methodNotAllowed, writeOptions, type ResourceRequest } from "../resource-request";
import { customInfo } from "./custom-type";

type Node = Record<string, unknown>;

const segments = (path: string) => path.split(".").filter(Boolean);

function read(obj: unknown, path: string): unknown {
  return segments(path).reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Node)[k] : undefined), obj);
}

function write(obj: Node, path: string, value: unknown): void {
  const keys = segments(path);
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== "object") cur[k] = {};
    cur = cur[k] as Node;
  }
  cur[keys[keys.length - 1]!] = value;
}

/** The CRD's scale paths for a custom type; undefined when it has no scale subresource. */
export function customScale(rt: ResourceType): CustomResourceSubresourceScale | undefined {
  return customInfo(rt)?.version.subresources?.scale;
}

function toScale(o: KObject, paths: CustomResourceSubresourceScale) {
  const selector = paths.labelSelectorPath ? read(o, paths.labelSelectorPath) : undefined;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: Number(read(o, paths.specReplicasPath) ?? 0) },
    status: { replicas: Number(read(o, paths.statusReplicasPath) ?? 0), ...(typeof selector === "string" && selector ? { selector } : {}) },
  };
}

export async function handleCustomScale(r: ResourceRequest, paths: CustomResourceSubresourceScale): Promise<void> {
  const { rt, ns, method, req } = r;
  const name = r.name!;
  if (method === "GET") return r.reply(200, toScale(await r.server.registry.get(rt, ns, name), paths));
  if (method !== "PUT" && method !== "PATCH") throw methodNotAllowed(method);
  const raw = await readBody(req, r.server.maxBodyBytes);
  const out = await r.server.registry.modify(rt, ns, name, async (live) => {
    const current = toScale(live!, paths);
    const desired = method === "PUT" ? asObject(decodeBody(raw, req.headers["content-type"])) : await patchObject(current as unknown as KObject, raw, req.headers["content-type"], undefined);
    const rv = desired.metadata?.resourceVersion;
    if (rv && rv !== live!.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${rt.plural}.${rt.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const replicas = (desired as { spec?: { replicas?: unknown } }).spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: should be a non-negative integer`, {
        name, kind: "Scale", group: "autoscaling", causes: [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: should be a non-negative integer` }],
      });
    }
    write(live as Node, paths.specReplicasPath, replicas);
    return live!;
  }, { ...writeOptions(r), subresource: "scale" });
  r.reply(200, toScale(out.object, paths));
}
