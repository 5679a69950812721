// Custom resources whose CustomResourceDefinition comes in the same revision: the server cannot
// know their kind before the CRD is applied, so they are resolved from the revision's CRDs
// (`providedKinds`, pure), not dry-run with the rest, and applied once their CRD is Established
// (`waitEstablished`), then dry-run and applied like any other object. This is what Flux does
// with CRDs in a Kustomization; `kubectl apply` of such a file fails with "no matches for kind".
import { ignoreNotFound, type ApiClient } from "../../client";
import { customresourcedefinitions, type ResourceRef } from "../../client/resources";
import type { Manifest } from "./manifests";

export interface ProvidedKind {
  /** metadata.name of the CRD that serves it. */
  crd: string;
  resource: ResourceRef;
}

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { kind?: string; plural?: string };
  versions?: Array<{ name?: string; served?: boolean }>;
}

/** "apiVersion/kind" -> the CRD of this revision that will serve it. */
export function providedKinds(manifests: Manifest[]): Map<string, ProvidedKind> {
  const out = new Map<string, ProvidedKind>();
  for (const m of manifests) {
    const o = m.object as { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: CrdSpec };
    if (o.kind !== "CustomResourceDefinition" || o.apiVersion !== "apiextensions.k8s.io/v1") continue;
    const spec = o.spec ?? {};
    const kind = spec.names?.kind;
    const plural = spec.names?.plural;
    if (!spec.group || !kind || !plural || !o.metadata?.name) continue;
    for (const v of spec.versions ?? []) {
      if (!v.name || v.served === false) continue;
      out.set(`${spec.group}/${v.name}/${kind}`, {
        crd: o.metadata.name,
        resource: { group: spec.group, version: v.name, plural, kind, namespaced: spec.scope !== "Cluster" },
      });
    }
  }
  return out;
}

type Crd = { status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } };

/**
 * Waits until every named CRD is Established (polling, as kubectl wait does). Returns the names
 * that are not, with why, when the time is up.
 */
export async function waitEstablished(client: ApiClient, names: string[], opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal }): Promise<Map<string, string>> {
  const pending = new Map(names.map((n) => [n, "not found"]));
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    for (const name of [...pending.keys()]) {
      const crd = await client.get<Crd & { metadata: { name: string } }>(customresourcedefinitions, undefined, name, { signal: opts.signal }).catch(ignoreNotFound);
      const established = crd?.status?.conditions?.find((c) => c.type === "Established");
      if (established?.status === "True") pending.delete(name);
      else pending.set(name, established?.message || (crd ? "not Established yet" : "not found"));
    }
    if (pending.size === 0 || Date.now() >= deadline || opts.signal?.aborted) return pending;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}
