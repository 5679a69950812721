// The objects a ServiceAccount token is bound to, and the Secrets of bootstrap tokens, read from
// the API server's own registry (as kube-apiserver reads them from its caches) each time a token
// is used.
import type { KObject, ResourceType } from "../../../api/resource";
import type { Registry } from "../registry";
import type { BoundObjectGetter, LiveObject } from "./serviceaccount/tokens";
import { BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapSecretGetter, type BootstrapTokenSecret } from "./bootstrap-token";

export function registryBoundObjectGetter(registry: Registry, typeOfKind: (kind: string) => ResourceType): BoundObjectGetter & { bootstrapSecret: BootstrapSecretGetter } {
  const live = (kind: string) => {
    const rt = typeOfKind(kind);
    return async (ns: string, name: string): Promise<LiveObject | undefined> => {
      const obj: KObject | undefined = await registry.tryGet(rt, ns, name);
      return obj ? { uid: obj.metadata.uid ?? "", deletionTimestamp: obj.metadata.deletionTimestamp } : undefined;
    };
  };
  const secrets = typeOfKind("Secret");
  const bootstrapSecret = async (name: string) => (await registry.tryGet(secrets, BOOTSTRAP_TOKEN_NAMESPACE, name)) as BootstrapTokenSecret | undefined;
  return { serviceAccount: live("ServiceAccount"), pod: live("Pod"), secret: live("Secret"), bootstrapSecret };
}
