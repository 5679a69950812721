// Cache keys as Kubernetes writes them: "namespace/name", or "name" for cluster-scoped objects.

export function keyOf(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const name = obj.metadata?.name ?? "";
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
