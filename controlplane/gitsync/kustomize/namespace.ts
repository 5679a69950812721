// The `namespace:` transformer (kustomize's NamespaceTransformer): every namespaced object moves
// to the namespace; a Namespace object is renamed to it; other cluster-scoped kinds are left
// alone. RBAC subjects follow their ServiceAccount through name references (name-reference.ts).
import { isClusterScoped, type Resource } from "./resource";

export function setNamespace(resources: Resource[], namespace: string): void {
  if (!namespace) return;
  for (const r of resources) {
    const o = r.object;
    if (o.kind === "Namespace" && o.apiVersion === "v1") o.metadata.name = namespace;
    else if (!isClusterScoped(o)) o.metadata.namespace = namespace;
  }
}
