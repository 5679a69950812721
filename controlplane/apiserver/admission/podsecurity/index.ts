// Pod Security admission: the plugin (admission.ts), its configuration and flags (config.ts),
// where it runs (strategy.ts), and its reads of namespaces and pods through the registry.
import type { Pod } from "../../../../api/core";
import type { KObject, ResourceType } from "../../../../api/resource";
import type { Logger } from "pino";
import type { Registry } from "../../registry";
import { PodSecurityAdmission } from "./admission";
import type { PodSecurityConfig } from "./config";

export { PodSecurityAdmission } from "./admission";
export { withPodSecurity } from "./strategy";
export { KUBERNETES_POD_SECURITY, LAB_POD_SECURITY_DEFAULTS, parsePodSecurityDefaults, type PodSecurityConfig, type PodSecurityExemptions } from "./config";

/**
 * The plugin reading namespaces and pods from the registry. `registry` is a getter because the
 * registry is built from the strategies that hold the plugin.
 */
export function registryPodSecurity(
  config: PodSecurityConfig,
  registry: () => Registry,
  typeOfKind: (kind: string) => ResourceType,
  logger?: Logger,
): PodSecurityAdmission {
  return new PodSecurityAdmission(config, {
    getNamespace: (name) => registry().getShared(typeOfKind("Namespace"), undefined, name),
    listPods: async (ns) => (await registry().list(typeOfKind("Pod"), ns)).items as Array<KObject & Pod>,
    logger,
  });
}
