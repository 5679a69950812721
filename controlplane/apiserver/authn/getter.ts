// The objects a ServiceAccount token is bound to, read from the API server's own registry (as
// kube-apiserver reads them from its caches) each time a token is used.
import type { KObject, ResourceType } from "../../../api/resource";
import type { Registry } from "../registry";
import type { BoundObjectGetter, LiveObject } from "./serviceaccount/tokens";

export function registryBoundObjectGetter(registry: Registry, typeOfKind: (kind: string) => ResourceType): BoundObjectGetter {
  const live = (kind: string) => {
    const rt = typeOfKind(kind);
    return async (ns: string, name: string): Promise<LiveObject | undefined> => {
      const obj: KObject | undefined = await registry.tryGet(rt, ns, name);
      return obj ? { uid: obj.metadata.uid ?? "", deletionTimestamp: obj.metadata.deletionTimestamp } : undefined;
    };
  };
  return { serviceAccount: live("ServiceAccount"), pod: live("Pod"), secret: live("Secret") };
}
