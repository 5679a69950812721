// The scale subresource of Deployments and ReplicaSets: an autoscaling/v1 Scale read from and
// written into spec.replicas (what `kubectl scale` uses).
import type { KObject } from "../../../api/resource";
import { ApiError } from "../errors";
import { patchObject } from "../patching";
import { asObject, methodNotAllowed, writeOptions, type ResourceRequest } from "../resource-request";
import { decodeBody, readBody } from "../request";

type Scalable = KObject & { spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } }; status?: { replicas?: number } };

function toScale(o: Scalable) {
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: {
      replicas: o.status?.replicas ?? 0,
      selector: Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
    },
  };
}

export async function handleScale(r: ResourceRequest): Promise<void> {
  const { rt, ns, method, req } = r;
  const name = r.name!;
  if (method === "GET") return r.reply(200, toScale(await r.server.registry.get(rt, ns, name)));
  if (method !== "PUT" && method !== "PATCH") throw methodNotAllowed(method);
  const raw = await readBody(req, r.server.maxBodyBytes);
  const opts = writeOptions(r);
  const out = await r.server.registry.modify(rt, ns, name, async (live) => {
    const current = toScale(live!);
    const desired = method === "PUT"
      ? asObject(decodeBody(raw, req.headers["content-type"]))
      : await patchObject(current as unknown as KObject, raw, req.headers["content-type"], undefined);
    const rv = desired.metadata?.resourceVersion;
    if (rv && rv !== live!.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${rt.plural}.${rt.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    (live as Scalable & { spec: { replicas: number } }).spec.replicas = validReplicas(name, desired);
    return live!;
  }, { ...opts, subresource: "scale" });
  r.reply(200, toScale(out.object));
}

function validReplicas(name: string, desired: KObject): number {
  const replicas = (desired as { spec?: { replicas?: unknown } }).spec?.replicas;
  if (typeof replicas === "number" && Number.isInteger(replicas) && replicas >= 0) return replicas;
  throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
    name, kind: "Scale", group: "autoscaling", causes: [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }],
  });
}
