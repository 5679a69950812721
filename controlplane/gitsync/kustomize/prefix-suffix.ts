// namePrefix / nameSuffix (kustomize's PrefixTransformer and SuffixTransformer): every object's
// name, cluster-scoped ones included, except the kinds kustomize skips (a Namespace's name is its
// identity; a CRD's name must be <plural>.<group>).
import type { Resource } from "./resource";

const SKIPPED = new Set(["Namespace", "CustomResourceDefinition", "APIService"]);

export function addPrefixSuffix(resources: Resource[], prefix: string, suffix: string): void {
  if (!prefix && !suffix) return;
  for (const r of resources) {
    if (SKIPPED.has(r.object.kind)) continue;
    r.object.metadata.name = `${prefix}${r.object.metadata.name}${suffix}`;
  }
}
